using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

// The JSON block helpers for isolated host functions (IsolatedHostFunction bodies, written by hand
// or generated as GetIsolatedHostFunctions() from [HostFunction] methods). Each is a copy across
// the process boundary, so there is no shared buffer to reuse as in HostFunction.Json.cs.
public sealed partial class HostFunction
{
    /// <summary>
    /// Reads the block at <paramref name="offset"/> from the plug-in's worker and deserializes it
    /// with source-generated metadata. Offset 0 (no data) or an empty block gives default.
    /// </summary>
    /// <param name="plugin">The calling plug-in (valid only during the host call).</param>
    /// <param name="offset">An argument the plug-in passed: the start of a live block, or 0.</param>
    /// <param name="typeInfo">How to read the value, e.g. <c>MyContext.Default.Request</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="offset"/> is not 0 and not the start of a live block.</exception>
    /// <exception cref="JsonException">The block is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T? ReadJsonBlock<T>(RemotePlugin plugin, long offset, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        byte[] json = plugin.ReadBytes(offset);
        return json.Length == 0 ? default : JsonSerializer.Deserialize(json, typeInfo);
    }

    /// <summary>
    /// Serializes <paramref name="value"/> with source-generated metadata into a new block in the
    /// plug-in's worker (owned by the plug-in) and returns its offset; a <see langword="null"/> value gives 0.
    /// </summary>
    /// <param name="plugin">The calling plug-in (valid only during the host call).</param>
    /// <param name="value">The value to hand back.</param>
    /// <param name="typeInfo">How to write the value, e.g. <c>MyContext.Default.Response</c>.</param>
    /// <exception cref="ExtismException">The plug-in's memory could not hold the JSON.</exception>
    public static long WriteJsonBlock<T>(RemotePlugin plugin, T? value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return value is null ? 0 : plugin.WriteBytes(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

// JSON block helpers for host-function bodies, written by hand or by the source generator
// ([HostFunction] methods with JSON parameters or results call these). They share the per-thread
// serialization buffer of ForJson, so a warm host call allocates only the values themselves.
public sealed partial class HostFunction
{
    /// <summary>
    /// Deserializes the block at <paramref name="offset"/> in place with source-generated metadata.
    /// Offset 0 (no data) gives default.
    /// </summary>
    /// <param name="plugin">The calling plug-in (valid only during the host call).</param>
    /// <param name="offset">An argument the plug-in passed: the start of a live block, or 0.</param>
    /// <param name="typeInfo">How to read the value, e.g. <c>MyContext.Default.Request</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="offset"/> is not 0 and not the start of a live block.</exception>
    /// <exception cref="JsonException">The block is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T? ReadJsonBlock<T>(CurrentPlugin plugin, long offset, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ReadOnlySpan<byte> json = plugin.ReadBytes(offset);
        return json.IsEmpty ? default : JsonSerializer.Deserialize(json, typeInfo);
    }

    /// <summary>
    /// Serializes <paramref name="value"/> with source-generated metadata into a new block owned by
    /// the plug-in and returns its offset; a <see langword="null"/> value gives offset 0 (no data).
    /// </summary>
    /// <param name="plugin">The calling plug-in (valid only during the host call).</param>
    /// <param name="value">The value to hand back.</param>
    /// <param name="typeInfo">How to write the value, e.g. <c>MyContext.Default.Response</c>.</param>
    /// <exception cref="ExtismOutOfMemoryException">The plug-in's memory could not hold the JSON.</exception>
    public static long WriteJsonBlock<T>(CurrentPlugin plugin, T? value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return value is null ? 0 : WriteJson(plugin, value, typeInfo);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The body of a host function made by <see cref="HostFunction.ForBytes"/>: turns the plug-in's
/// input bytes into output bytes.
/// </summary>
/// <param name="plugin">The calling plug-in; valid only during this host call.</param>
/// <param name="input">
/// The argument block, read in place in the plug-in's memory (empty when the plug-in passed offset
/// 0). Valid until the body allocates in the plug-in's memory (for example with
/// <see cref="CurrentPlugin.WriteBytes(ReadOnlySpan{byte})"/>) or returns, whichever comes first.
/// </param>
/// <returns>
/// The bytes to hand back; they are copied into a new block before the host call returns, so the
/// span may point into any buffer that is alive until then (an array, a UTF-8 literal, another
/// plug-in's call output), or be <paramref name="input"/> or a slice of it. It must not point
/// elsewhere into this plug-in's memory (copy such bytes first). Empty gives offset 0.
/// </returns>
public delegate ReadOnlySpan<byte> HostBytesFunction(CurrentPlugin plugin, ReadOnlySpan<byte> input);

// Helpers for the most common host-function shape: one Extism memory offset in, one out, i.e.
// wasm (i64) -> i64, which is what the PDKs generate for a host function taking and returning a
// buffer, a string or JSON.
//
// Block ownership, following the Extism convention (plugin-abi.md §4.3): the argument block
// belongs to the plug-in, and these helpers never free it; the result block is allocated here and
// handed over to the plug-in. Every block is reclaimed by the runtime when the next call on that
// plug-in starts, so nothing leaks even if the plug-in frees nothing. Offset 0 means "no data"
// both ways.
public sealed partial class HostFunction
{
    /// <summary>
    /// Defines a <c>(i64) -> i64</c> host function that takes and returns bytes without copying the
    /// input or allocating managed memory: <paramref name="callback"/> reads the argument block in
    /// place and its result is copied into a new block owned by the plug-in (offset 0 when empty).
    /// The argument block is not freed (it belongs to the plug-in).
    /// </summary>
    /// <param name="functionName">Import name the plug-in uses (namespace <see cref="DefaultNamespace"/> unless changed).</param>
    /// <param name="userData">Handed back by <see cref="CurrentPlugin.GetUserData{T}"/>; kept alive while a plug-in using this function exists.</param>
    /// <param name="callback">The body; see <see cref="HostBytesFunction"/> for how long its spans live.</param>
    /// <remarks>
    /// A non-zero argument that is not the start of a live block, or whose length (kept by the
    /// plug-in's kernel inside its memory, so forgeable) reaches outside the plug-in's memory, fails
    /// the call (the <see cref="ArgumentException"/> becomes the <see cref="Exception.InnerException"/>),
    /// as does a result the plug-in's memory cannot hold (<see cref="ExtismOutOfMemoryException"/>)
    /// or that the plug-in's corrupted allocator would place outside it
    /// (<see cref="InvalidOperationException"/>).
    /// </remarks>
    public static HostFunction ForBytes(string functionName, object? userData, HostBytesFunction callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ExtismValType.I64], [ExtismValType.I64], userData, (plugin, inputs, outputs) =>
        {
            long input = inputs[0].v.i64;
            outputs[0].v.i64 = CopyResult(plugin, input, callback(plugin, plugin.ReadBytes(input)));
        });
    }

    /// <summary>
    /// Defines a <c>(i64) -> i64</c> host function over UTF-8 text: the argument block is decoded
    /// (offset 0 gives ""; invalid bytes become U+FFFD) and the returned string is encoded straight
    /// into a new block owned by the plug-in. A null or empty result gives offset 0. The argument
    /// block is not freed (it belongs to the plug-in).
    /// </summary>
    /// <inheritdoc cref="ForBytes(string, object?, HostBytesFunction)"/>
    public static HostFunction ForStrings(string functionName, object? userData, Func<CurrentPlugin, string, string?> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ExtismValType.I64], [ExtismValType.I64], userData, (plugin, inputs, outputs) =>
        {
            string? result = callback(plugin, plugin.ReadString(inputs[0].v.i64));
            outputs[0].v.i64 = string.IsNullOrEmpty(result) ? 0 : plugin.WriteString(result);
        });
    }

    /// <summary>
    /// Defines a <c>(i64) -> i64</c> host function over JSON, with source-generated metadata (safe
    /// for trimming and AOT). The argument block is deserialized in place with
    /// <paramref name="inputInfo"/> (offset 0, i.e. empty input, gives default); the result is
    /// serialized with <paramref name="outputInfo"/> (a null result gives <c>null</c>) into a new
    /// block owned by the plug-in. Invalid JSON fails the call with the <see cref="JsonException"/> as
    /// <see cref="Exception.InnerException"/>. The argument block is not freed.
    /// </summary>
    /// <param name="functionName">Import name the plug-in uses (namespace <see cref="DefaultNamespace"/> unless changed).</param>
    /// <param name="userData">Handed back by <see cref="CurrentPlugin.GetUserData{T}"/>; kept alive while a plug-in using this function exists.</param>
    /// <param name="inputInfo">How to read the argument, e.g. <c>MyContext.Default.Request</c>.</param>
    /// <param name="outputInfo">How to write the result.</param>
    /// <param name="callback">The body; the <see cref="CurrentPlugin"/> it receives is valid only during that host call.</param>
    public static HostFunction ForJson<TIn, TOut>(string functionName, object? userData, JsonTypeInfo<TIn> inputInfo, JsonTypeInfo<TOut> outputInfo, Func<CurrentPlugin, TIn?, TOut> callback)
    {
        ArgumentNullException.ThrowIfNull(inputInfo);
        ArgumentNullException.ThrowIfNull(outputInfo);
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ExtismValType.I64], [ExtismValType.I64], userData, (plugin, inputs, outputs) =>
        {
            ReadOnlySpan<byte> json = plugin.ReadBytes(inputs[0].v.i64);
            TIn? value = json.IsEmpty ? default : JsonSerializer.Deserialize(json, inputInfo);
            outputs[0].v.i64 = WriteJson(plugin, callback(plugin, value), outputInfo);
        });
    }

    /// <summary>
    /// Copies a result into a new block. Allocating may grow, and in principle move, the plug-in's
    /// memory; a result that is (part of) the argument block is then re-pointed into the memory's
    /// new place before copying, so echoing the input back is safe.
    /// </summary>
    private static unsafe long CopyResult(CurrentPlugin plugin, long inputOffset, ReadOnlySpan<byte> result)
    {
        if (result.IsEmpty) return 0;
        byte* before = (byte*)plugin.GetMemory();
        // Checked against the plug-in's real memory: the allocator's state is in that memory too.
        Span<byte> target = plugin.NewBlock(result.Length, out long offset);
        byte* after = (byte*)plugin.GetMemory();
        if (after != before && inputOffset != 0)
        {
            fixed (byte* start = result)
            {
                byte* block = before + inputOffset;
                if (start >= block && start < block + plugin.BlockLength(inputOffset))
                {
                    result = new ReadOnlySpan<byte>(after + (start - before), result.Length);
                }
            }
        }
        result.CopyTo(target);
        return offset;
    }

    // One serialization buffer per thread, taken out while in use: a host function that calls
    // another plug-in whose host function also writes JSON (same thread, nested) gets a fresh one.
    [ThreadStatic] private static MemoryStream? t_jsonBuffer;

    private static long WriteJson<T>(CurrentPlugin plugin, T value, JsonTypeInfo<T> info)
    {
        MemoryStream buffer = t_jsonBuffer ?? new MemoryStream();
        t_jsonBuffer = null;
        try
        {
            buffer.SetLength(0);
            // The Stream overload honours every option of info (encoder, indentation) and rents its
            // writer internally, so a warm buffer makes this allocation-free.
            JsonSerializer.Serialize(buffer, value, info);
            return plugin.WriteBytes(new ReadOnlySpan<byte>(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
        finally
        {
            // Do not pin a huge buffer to the thread for the rest of its life.
            if (buffer.Capacity <= 1 << 20) t_jsonBuffer = buffer;
        }
    }
}

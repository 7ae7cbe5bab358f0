using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

// Every way a call's output can be taken, for Plugin's synchronous and asynchronous calls and
// for PluginPool alike. Each is a struct so that Plugin.CallCore<TConsumer> is specialised per
// consumer and allocates nothing of its own.

/// <summary>Receives a call's output while the plug-in's lock is held; the span dies when Consume returns.</summary>
internal interface IOutputConsumer
{
    void Consume(ReadOnlySpan<byte> output);
}

/// <summary>Copies the output into a new array the caller owns.</summary>
internal struct CopyConsumer : IOutputConsumer
{
    public byte[]? Result;

    public void Consume(ReadOnlySpan<byte> output) => Result = output.ToArray();
}

/// <summary>Copies the output into the plug-in's reusable buffer (the compat span-returning calls).</summary>
internal struct OwnedBufferConsumer(Plugin plugin) : IOutputConsumer
{
    public int Length;

    public void Consume(ReadOnlySpan<byte> output)
    {
        plugin.StoreOutput(output);
        Length = output.Length;
    }
}

/// <summary>Decodes the output as UTF-8 (invalid bytes become U+FFFD).</summary>
internal struct Utf8Consumer : IOutputConsumer
{
    public string? Result;

    public void Consume(ReadOnlySpan<byte> output) => Result = Encoding.UTF8.GetString(output);
}

/// <summary>Appends the output to a caller's buffer writer.</summary>
internal struct BufferWriterConsumer(IBufferWriter<byte> writer) : IOutputConsumer
{
    public int Written;

    public void Consume(ReadOnlySpan<byte> output)
    {
        if (output.Length > 0)
        {
            output.CopyTo(writer.GetSpan(output.Length));
            writer.Advance(output.Length);
        }
        Written = output.Length;
    }
}

/// <summary>Hands the output, in place, to a caller's reader.</summary>
internal struct OutputReaderConsumer<TState, TResult>(OutputReader<TState, TResult> reader, TState state) : IOutputConsumer
{
    public TResult? Result;

    public void Consume(ReadOnlySpan<byte> output) => Result = reader(output, state);
}

/// <summary>Deserialises the output with source-generated metadata; empty output gives default.</summary>
internal struct JsonTypeInfoConsumer<T>(JsonTypeInfo<T?> typeInfo) : IOutputConsumer
{
    public T? Result;

    public void Consume(ReadOnlySpan<byte> output) => Result = output.IsEmpty ? default : JsonSerializer.Deserialize(output, typeInfo);
}

/// <summary>Deserialises the output with reflection; empty output gives default.</summary>
internal struct ReflectionJsonConsumer<T>(JsonSerializerOptions options) : IOutputConsumer
{
    public T? Result;

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only reached from the reflection overloads, which carry RequiresUnreferencedCode.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached from the reflection overloads, which carry RequiresDynamicCode.")]
    public void Consume(ReadOnlySpan<byte> output) => Result = output.IsEmpty ? default : JsonSerializer.Deserialize<T>(output, options);
}

using System.Buffers;
using System.Runtime.CompilerServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>Reads a call's output in place. <paramref name="output"/> is valid only until this delegate returns.</summary>
public delegate TResult OutputReader<in TState, out TResult>(ReadOnlySpan<byte> output, TState state);

public sealed partial class Plugin
{
    /// <summary>
    /// Calls an export and returns its output as a view of a buffer this plug-in owns. The view is
    /// valid until the next call on this plug-in (from any thread); copy it to keep it.
    /// </summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">Bytes the plug-in reads as its input; only read during the call.</param>
    /// <param name="cancellationToken">Cancels the call, before or during it (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ExtismException">The plug-in or the runtime reported a failure; see <see cref="ExtismException.Kind"/>.</exception>
    /// <exception cref="ObjectDisposedException">The plug-in was disposed.</exception>
    public ReadOnlySpan<byte> Call(string functionName, ReadOnlySpan<byte> input, CancellationToken? cancellationToken = null)
        => CallWithContextCore(functionName, input, null, cancellationToken ?? default);

    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    public ReadOnlySpan<byte> Call(string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken)
        => CallWithContextCore(functionName, input, null, cancellationToken);

    /// <summary>
    /// Calls an export with a per-call <paramref name="hostContext"/> that host functions read with
    /// <see cref="CurrentPlugin.GetCallHostContext{T}"/>. Output as for <see cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>.
    /// </summary>
    public ReadOnlySpan<byte> CallWithHostContext<T>(string functionName, ReadOnlySpan<byte> input, T hostContext, CancellationToken? cancellationToken = null)
        => CallWithContextCore(functionName, input, hostContext, cancellationToken ?? default);

    private ReadOnlySpan<byte> CallWithContextCore(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken)
    {
        var consumer = new OwnedBufferConsumer(this);
        CallCore(functionName, input, hostContext, cancellationToken, ref consumer);
        return new ReadOnlySpan<byte>(_output, 0, consumer.Length);
    }

    /// <summary>Calls an export with UTF-8 text and returns its output decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    [SkipLocalsInit]
    public string Call(string functionName, string input, CancellationToken? cancellationToken = null)
    {
        using var utf8 = new Utf8Input(input, nameof(input), stackalloc byte[Utf8Input.StackSize]);
        var consumer = new Utf8Consumer();
        CallCore(functionName, utf8.Span, null, cancellationToken ?? default, ref consumer);
        return consumer.Result!;
    }

    /// <summary>
    /// Calls an export and appends its output to <paramref name="output"/>. Allocates nothing.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    public int Call(string functionName, ReadOnlySpan<byte> input, IBufferWriter<byte> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var consumer = new BufferWriterConsumer(output);
        CallCore(functionName, input, null, cancellationToken, ref consumer);
        return consumer.Written;
    }

    /// <summary>
    /// Calls an export and lets <paramref name="reader"/> read the output in place, in the plug-in's
    /// memory, while the plug-in is locked. Allocates nothing (with a static lambda).
    /// </summary>
    /// <returns>What <paramref name="reader"/> returned.</returns>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    public TResult Call<TState, TResult>(string functionName, ReadOnlySpan<byte> input, TState state, OutputReader<TState, TResult> reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var consumer = new OutputReaderConsumer<TState, TResult>(reader, state);
        CallCore(functionName, input, null, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>Keeps a copy of the output in <c>_output</c> for the span-returning overloads (see <see cref="OwnedBufferConsumer"/>).</summary>
    internal void StoreOutput(ReadOnlySpan<byte> output)
    {
        if (output.IsEmpty)
        {
            // Nothing to copy; a big buffer is not kept for outputs that need none.
            if (_output.Length > (1 << 20)) _output = [];
            return;
        }
        // Reuse the buffer; replace it when it is too small, or far too big for what it now holds.
        if (_output.Length < output.Length || (_output.Length > (1 << 20) && output.Length < _output.Length / 4))
        {
            _output = GC.AllocateUninitializedArray<byte>(output.Length);
        }
        output.CopyTo(_output);
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

public sealed partial class Plugin
{
    // Queues asynchronous callers of this instance without blocking thread-pool threads: only
    // the caller at the head of the queue occupies a thread (inside the plug-in's lock). Created
    // on first use; never disposed (no wait handle is ever requested from it).
    private SemaphoreSlim AsyncGate
    {
        get
        {
            SemaphoreSlim? gate = Volatile.Read(ref _asyncGate);
            if (gate is not null) return gate;
            Interlocked.CompareExchange(ref _asyncGate, new SemaphoreSlim(1, 1), null);
            return _asyncGate!;
        }
    }

    /// <summary>
    /// Calls an export on a thread-pool thread and returns a copy of its output, which the caller
    /// owns. A <see cref="Task{TResult}"/> rather than a <c>ValueTask</c>: the call always leaves
    /// the caller's thread, so a task is allocated either way and a <c>Task</c> may be awaited
    /// more than once. Asynchronous callers of one instance queue without holding threads; the
    /// plug-in still runs one call at a time (synchronous calls included).
    /// </summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input. Must not change until the task completes.</param>
    /// <param name="cancellationToken">Cancels while queued, or interrupts the running call
    /// (<see cref="OperationCanceledException"/>; the task ends Canceled). On an instance of a
    /// <see cref="CompiledPlugin"/> an interruption also stops its siblings' running calls (see <see cref="Cancel"/>).</param>
    /// <exception cref="ObjectDisposedException">The plug-in was disposed (in the task).</exception>
    /// <exception cref="ExtismException">The call failed (in the task); see <see cref="ExtismException.Kind"/>.</exception>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        return RunOffThread(
            (functionName, input),
            static (plugin, state, token) =>
            {
                var consumer = new CopyConsumer();
                plugin.CallCore(state.functionName, state.input.Span, null, token, ref consumer);
                return consumer.Result!;
            },
            cancellationToken);
    }

    /// <summary>Calls an export with UTF-8 text on a thread-pool thread and returns the output decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<string> CallAsync(string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(input);
        return RunOffThread(
            (functionName, input),
            static (plugin, state, token) =>
            {
                // Encoded on the worker so that large inputs do not delay the caller.
                byte[] utf8 = Encoding.UTF8.GetBytes(state.input);
                var consumer = new Utf8Consumer();
                plugin.CallCore(state.functionName, utf8, null, token, ref consumer);
                return consumer.Result!;
            },
            cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="input"/> as JSON and reads the output as JSON (source-generated
    /// metadata: trimming and AOT safe), on a thread-pool thread. The input is serialised before
    /// this method returns, so later changes to it do not matter. An empty output gives default.
    /// </summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<TOutput?> CallAsync<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(input, inputJsonInfo);
        return RunOffThread(
            (functionName, json, outputJsonInfo),
            static (plugin, state, token) =>
            {
                var consumer = new JsonTypeInfoConsumer<TOutput>(state.outputJsonInfo);
                plugin.CallCore(state.functionName, state.json, null, token, ref consumer);
                return consumer.Result;
            },
            cancellationToken);
    }

    /// <summary>Sends UTF-8 text and reads the output as JSON with source-generated metadata, on a thread-pool thread. An empty output gives default.</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<TOutput?> CallAsync<TOutput>(string functionName, string input, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        return RunOffThread(
            (functionName, input, outputJsonInfo),
            static (plugin, state, token) =>
            {
                var consumer = new JsonTypeInfoConsumer<TOutput>(state.outputJsonInfo);
                plugin.CallCore(state.functionName, Encoding.UTF8.GetBytes(state.input), null, token, ref consumer);
                return consumer.Result;
            },
            cancellationToken);
    }

    /// <summary>
    /// Waits for this instance's async queue, then runs <paramref name="call"/> on the thread pool.
    /// A token that has already fired gives a canceled task without queueing anything.
    /// </summary>
    private async Task<TResult> RunOffThread<TState, TResult>(TState state, Func<Plugin, TState, CancellationToken, TResult> call, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        SemaphoreSlim gate = AsyncGate;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Task.Run's token only stops a start that has not happened; once running, the call
            // itself watches the token (and interrupts the plug-in natively).
            return await Task.Run(() => call(this, state, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}

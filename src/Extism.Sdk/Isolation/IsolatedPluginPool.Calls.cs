using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Extism.Sdk.Isolation;

namespace Extism.Sdk;

// The public call overloads; all of them rent a worker and end in Execute.
public sealed partial class IsolatedPluginPool
{
    /// <summary>
    /// Waits for a free worker (starting one if needed), calls an export there and returns a copy
    /// of the output, which the caller owns.
    /// </summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input; copied to the worker during this call.</param>
    /// <param name="cancellationToken">Ends the wait, or cancels the call in the worker (<see cref="OperationCanceledException"/>); a worker that does not stop within <see cref="IsolatedPluginPoolOptions.CancelGracePeriod"/> is killed.</param>
    /// <exception cref="ExtismWorkerException">The worker died or was killed during the call (<see cref="ExtismErrorKind.WorkerDied"/>); <see cref="ExtismWorkerException.Reason"/> says why.</exception>
    /// <exception cref="ExtismException">The call failed in the worker; the kinds are those of in-process calls.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public byte[] Call(string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken = default)
    {
        var consumer = new CopyConsumer();
        Execute(functionName, input, null, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>Like <see cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>, with a host context for the host functions (<see cref="RemotePlugin.GetCallHostContext{T}"/>). The context stays in this process.</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public byte[] Call(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken = default)
    {
        var consumer = new CopyConsumer();
        Execute(functionName, input, hostContext, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>Calls an export with UTF-8 text and returns the output decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public string Call(string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var consumer = new Utf8Consumer();
        Execute(functionName, Encoding.UTF8.GetBytes(input), null, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>Sends <paramref name="input"/> as JSON and reads the output as JSON, with source-generated metadata. An empty output gives default.</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public TOutput? Call<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(input, inputJsonInfo);
        var consumer = new JsonTypeInfoConsumer<TOutput>(outputJsonInfo);
        Execute(functionName, json, null, cancellationToken, ref consumer);
        return consumer.Result;
    }

    /// <summary>Like <see cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>, but waits for a worker without blocking a thread; the call itself runs on a thread-pool thread.</summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input. Must not change until the task completes.</param>
    /// <param name="cancellationToken">Ends the wait, or cancels the call; the task then ends Canceled.</param>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default) =>
        CallAsync(functionName, input, null, cancellationToken);

    /// <summary>Like <see cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>, with a host context for the host functions. The context stays in this process.</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, object? hostContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        return CallAsyncCore(functionName, input, hostContext, 0, static (worker, pool, name, input, context, _, token) =>
        {
            var consumer = new CopyConsumer();
            worker.Call(name, input.Span, context, pool._callDeadline, token, ref consumer);
            return consumer.Result!;
        }, cancellationToken);
    }

    /// <summary>Like <see cref="Call(string, string, CancellationToken)"/>, asynchronously.</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<string> CallAsync(string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(input);
        return CallAsyncCore(functionName, Encoding.UTF8.GetBytes(input), null, 0, static (worker, pool, name, input, context, _, token) =>
        {
            var consumer = new Utf8Consumer();
            worker.Call(name, input.Span, context, pool._callDeadline, token, ref consumer);
            return consumer.Result!;
        }, cancellationToken);
    }

    /// <summary>Like <see cref="Call{TInput, TOutput}(string, TInput, JsonTypeInfo{TInput}, JsonTypeInfo{TOutput}, CancellationToken)"/>, asynchronously. The input is serialised before this method returns.</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<TOutput?> CallAsync<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(input, inputJsonInfo);
        return CallAsyncCore(functionName, json, null, outputJsonInfo, static (worker, pool, name, input, context, info, token) =>
        {
            var consumer = new JsonTypeInfoConsumer<TOutput>(info);
            worker.Call(name, input.Span, context, pool._callDeadline, token, ref consumer);
            return consumer.Result;
        }, cancellationToken);
    }

    private delegate TResult AsyncBody<TState, TResult>(WorkerProcess worker, IsolatedPluginPool pool, string functionName, ReadOnlyMemory<byte> input, object? hostContext, TState state, CancellationToken cancellationToken);

    private async Task<TResult> CallAsyncCore<TState, TResult>(string functionName, ReadOnlyMemory<byte> input, object? hostContext, TState state,
        AsyncBody<TState, TResult> body, CancellationToken cancellationToken)
    {
        WorkerProcess worker = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The call blocks on the worker's pipe (and runs host callbacks): a thread-pool thread.
            // CancellationToken.None: once rented, the call itself handles the token (a cancel frame).
            return await Task.Run(() => body(worker, this, functionName, input, hostContext, state, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Return(worker);
        }
    }

    private void Execute<TConsumer>(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken, ref TConsumer consumer)
        where TConsumer : struct, IOutputConsumer
    {
        ArgumentNullException.ThrowIfNull(functionName);
        WorkerProcess worker = Rent(cancellationToken);
        try
        {
            worker.Call(functionName, input, hostContext, _callDeadline, cancellationToken, ref consumer);
        }
        finally
        {
            Return(worker);
        }
    }
}

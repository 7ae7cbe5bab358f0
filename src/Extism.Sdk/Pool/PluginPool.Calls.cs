using System.Diagnostics;
using Extism.Sdk.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

public sealed partial class PluginPool
{
    private long _repeatedCalls;

    /// <summary>How many call attempts were repeated after another caller's interruption (for tests and diagnostics).</summary>
    internal long RepeatedCalls => Interlocked.Read(ref _repeatedCalls);

    /// <summary>
    /// Rents an instance (waiting if all are busy), calls an export, returns the instance and
    /// returns a copy of the output, which the caller owns. With a shared engine, a call stopped
    /// by another caller's cancellation or timeout is repeated with the same input on a fresh
    /// instance (see <see cref="PluginPoolIsolation.SharedEngine"/>).
    /// </summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input; only read during this call.</param>
    /// <param name="cancellationToken">Ends the wait for an instance, or interrupts the call (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ExtismException">The call failed; see <see cref="ExtismException.Kind"/>. Kind <see cref="ExtismErrorKind.Cancelled"/> with
    /// an <see cref="ExtismTimeoutException"/> inside means other callers' interruptions stopped it more than <see cref="PluginPoolOptions.MaxInterruptionRetries"/> times.</exception>
    /// <exception cref="TimeoutException">No instance became free within <see cref="PluginPoolOptions.RentTimeout"/>.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public byte[] Call(string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken = default)
    {
        var consumer = new CopyConsumer();
        Execute(functionName, input, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>Calls an export with UTF-8 text and returns the output decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public string Call(string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var consumer = new Utf8Consumer();
        Execute(functionName, Encoding.UTF8.GetBytes(input), cancellationToken, ref consumer);
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
        Execute(functionName, json, cancellationToken, ref consumer);
        return consumer.Result;
    }

    /// <summary>
    /// Calls an export and lets <paramref name="reader"/> read the output in place while the
    /// instance is still rented and locked; the span dies when the reader returns. With a static
    /// lambda nothing is allocated per call. The reader runs once, for the attempt that succeeded.
    /// </summary>
    /// <returns>What <paramref name="reader"/> returned.</returns>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public TResult Call<TState, TResult>(string functionName, ReadOnlySpan<byte> input, TState state, OutputReader<TState, TResult> reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var consumer = new OutputReaderConsumer<TState, TResult>(reader, state);
        Execute(functionName, input, cancellationToken, ref consumer);
        return consumer.Result!;
    }

    /// <summary>
    /// Like <see cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/>, but waits for an
    /// instance without blocking a thread and runs the call on a thread-pool thread.
    /// </summary>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input. Must not change until the task completes (a repeated attempt reads it again).</param>
    /// <param name="cancellationToken">Ends the wait, or interrupts the call; the task then ends Canceled.</param>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        return CallAsyncCore(functionName, input, 0, static (pool, entry, name, input, _, token) =>
        {
            var consumer = new CopyConsumer();
            pool.Invoke(entry, name, input.Span, token, ref consumer);
            return consumer.Result!;
        }, cancellationToken);
    }

    /// <summary>Like <see cref="Call(string, string, CancellationToken)"/>, asynchronously.</summary>
    /// <inheritdoc cref="CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<string> CallAsync(string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(input);
        return CallAsyncCore(functionName, Encoding.UTF8.GetBytes(input), 0, static (pool, entry, name, input, _, token) =>
        {
            var consumer = new Utf8Consumer();
            pool.Invoke(entry, name, input.Span, token, ref consumer);
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
        return CallAsyncCore(functionName, json, outputJsonInfo, static (pool, entry, name, input, info, token) =>
        {
            var consumer = new JsonTypeInfoConsumer<TOutput>(info);
            pool.Invoke(entry, name, input.Span, token, ref consumer);
            return consumer.Result;
        }, cancellationToken);
    }

    private async Task<TResult> CallAsyncCore<TState, TResult>(
        string functionName, ReadOnlyMemory<byte> input, TState state,
        Func<PluginPool, Entry, string, ReadOnlyMemory<byte>, TState, CancellationToken, TResult> body, CancellationToken cancellationToken)
    {
        Entry entry = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        int leaseId = entry.LeaseId;
        try
        {
            // If the token fires before the work item starts, it never runs, so returning the
            // entry below can never race with a call still using it.
            return await Task.Run(() => body(this, entry, functionName, input, state, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Return(entry, leaseId);
        }
    }

    /// <summary>Rent, call (with repeats), return: the synchronous path of every call method.</summary>
    private void Execute<TConsumer>(string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken, ref TConsumer consumer)
        where TConsumer : struct, IOutputConsumer
    {
        ArgumentNullException.ThrowIfNull(functionName);
        Entry entry = Acquire(cancellationToken);
        int leaseId = entry.LeaseId;
        try
        {
            Invoke(entry, functionName, input, cancellationToken, ref consumer);
        }
        finally
        {
            Return(entry, leaseId);
        }
    }

    /// <summary>
    /// Calls on the entry's instance. A failure that may leave the instance mid-update disposes
    /// it (the slot stays rented and gets a fresh instance if the call is repeated). A call that
    /// was interrupted on another caller's behalf is repeated, with the same input, up to
    /// MaxInterruptionRetries times; the consumer only ever sees the output of the attempt that
    /// succeeded.
    /// </summary>
    private void Invoke<TConsumer>(Entry entry, string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken, ref TConsumer consumer)
        where TConsumer : struct, IOutputConsumer
    {
        int interruptions = 0;
        // One call's telemetry however often it is repeated, so the pool records it, not Plugin.
        CallScope telemetry = default;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested(); // before touching (and then discarding) an instance
                Plugin plugin = EnsureInstance(entry, cancellationToken, Stopwatch.GetTimestamp());
                if (interruptions == 0) telemetry = ExtismTelemetry.StartCall(functionName, plugin);
                long started = Stopwatch.GetTimestamp();
                try
                {
                    plugin.CallCore(functionName, input, null, cancellationToken, ref consumer, traced: false);
                    telemetry.Complete(null);
                    return;
                }
                catch (Exception e) when (CallOutcome.PoisonsInstance(e))
                {
                    DropInstance(entry);
                    ExtismTelemetry.InstanceRecycled(CallOutcome.ReasonName(e)); // the slot gets a fresh instance when used again
                    // Plugin already repeated an instance's broken start once; a second interrupt
                    // during that repeat lands here like any sibling's.
                    bool brokenStart = LateCancel.IsInterruptedInstantiation(e);
                    if (!(brokenStart || e is ExtismTimeoutException) || !WasInterruptedBySibling(entry.Generation!, plugin, started, brokenStart)) throw;
                    if (++interruptions > _maxRetries)
                    {
                        // Without the manifest timeout a repeated "timeout" is most likely the call's
                        // own deadline, so report it as that.
                        if (!brokenStart && !entry.Generation!.TimeoutKnown) throw;
                        throw InterruptedBySiblings(functionName, interruptions, (ExtismException)e);
                    }
                    Interlocked.Increment(ref _repeatedCalls);
                }
            }
        }
        catch (Exception e) when (telemetry.Failed(e))
        {
            // Never runs: the filter records the failure and lets the exception pass.
        }
    }

    /// <summary>
    /// True when a timeout (libextism's code for every interruption), or a start an interrupt
    /// broke (<paramref name="brokenStart"/>), most likely did not come from this call's own
    /// deadline. The call's own token cannot be the cause: Plugin reports that as
    /// OperationCanceledException. Only instances sharing an engine can be hit by others.
    /// </summary>
    private bool WasInterruptedBySibling(PoolGeneration generation, Plugin plugin, long started, bool brokenStart)
    {
        if (_isolation == PluginPoolIsolation.EnginePerInstance || !plugin.FromCompiledPlugin || _draining) return false;
        // The export never ran, so the call's own deadline had not started: someone else's interrupt.
        if (brokenStart) return true;
        // Unknown manifest timeout (CompiledPlugin or factory source): assume a sibling, and let
        // MaxInterruptionRetries bound the cost if it really was this call's own deadline.
        // libextism starts a call's timer after our clock starts (it does not time instantiation
        // or the input copy, and its timer thread may pick the start up late) and fires it no
        // earlier than the deadline, so a call that stopped before `deadline` elapsed on our clock
        // cannot have reached its own: another call's interruption hit it. The reverse is not
        // exact: a sibling's hit that lands after a full timeout has passed on our clock reads as
        // our own timeout, which is fair, since the call has then run longer than the manifest allows.
        return LateCancel.MayBeAnotherInterruption(started, generation.TimeoutKnown, generation.Timeout);
    }

    private static ExtismException InterruptedBySiblings(string functionName, int times, ExtismException last) => new(
        $"The call to '{functionName}' was interrupted {times} time(s) by other calls' cancellations or timeouts, not by its own: " +
        "instances of one CompiledPlugin share an engine, and libextism stops all of them together. " +
        "Raise PluginPoolOptions.MaxInterruptionRetries, or use PluginPoolIsolation.EnginePerInstance so that calls cannot interrupt each other.",
        ExtismErrorKind.Cancelled, last.ReturnCode, last);
}

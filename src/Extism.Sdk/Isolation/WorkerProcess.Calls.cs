using System.Diagnostics;

namespace Extism.Sdk.Isolation;

// One call on the worker: the frames in both directions until its Result, with host calls served
// in between, and the supervision state the pool's monitor reads.
internal sealed partial class WorkerProcess
{
    private readonly WorkerCallSession _session;
    private readonly PayloadWriter _callHead = new();
    private readonly object _callGate = new();
    private uint _callId;
    private uint _activeCall;
    // Stopwatch timestamps for the monitor; 0 = not set.
    private long _deadline;
    private long _cancelledAt;

    /// <summary>
    /// Runs <paramref name="functionName"/> in the worker and hands the output to <paramref name="consumer"/>.
    /// </summary>
    /// <exception cref="ExtismWorkerException">The worker died during the call.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled (and the worker stopped the call, or was killed for not stopping).</exception>
    /// <exception cref="ExtismException">The call failed in the worker, with the same kind as in-process.</exception>
    internal void Call<TConsumer>(string functionName, ReadOnlySpan<byte> input, object? hostContext, TimeSpan? deadline, CancellationToken cancellationToken, ref TConsumer consumer)
        where TConsumer : struct, IOutputConsumer
    {
        cancellationToken.ThrowIfCancellationRequested();
        uint id = ++_callId;
        _session.Begin(hostContext);
        lock (_callGate)
        {
            _activeCall = id;
            _cancelledAt = 0;
            _deadline = deadline is { } d ? Stopwatch.GetTimestamp() + (long)(d.TotalSeconds * Stopwatch.Frequency) : 0;
        }
        CancellationTokenRegistration registration = default;
        try
        {
            ArmCpuLimit();
            _channel.Write(FrameType.Call, id, _callHead.Clear().String(functionName), input);
            if (cancellationToken.CanBeCanceled) registration = cancellationToken.UnsafeRegister(static (state, _) => ((WorkerProcess)state!).RequestCancel(), this);
            while (true)
            {
                if (!_channel.TryRead(out FrameType type, out _, out ReadOnlySpan<byte> payload)) throw Lost(functionName, null, cancellationToken);
                if (type == FrameType.HostCall)
                {
                    _session.Serve(payload);
                    continue;
                }
                if (type != FrameType.Result)
                {
                    Kill(WorkerExitReason.Crashed);
                    throw Lost(functionName, new InvalidDataException($"The worker sent {type} during a call."), cancellationToken);
                }
                var reader = new PayloadReader(payload);
                switch (reader.U8())
                {
                    case 0:
                        consumer.Consume(reader.Rest);
                        return;
                    case 2:
                        throw new OperationCanceledException("The call was cancelled.", cancellationToken);
                    default:
                        var kind = (ExtismErrorKind)reader.I32();
                        bool hasCode = reader.I32() != 0;
                        int code = reader.I32();
                        throw Failure(kind, hasCode ? code : null, reader.String(), _session.Parked);
                }
            }
        }
        catch (InvalidDataException e)
        {
            Kill(WorkerExitReason.Crashed); // the stream is garbled: the worker cannot be trusted again
            throw Lost(functionName, e, cancellationToken);
        }
        catch (Exception e) when (e is IOException or WorkerLostException)
        {
            throw Lost(functionName, e is WorkerLostException ? null : e, cancellationToken);
        }
        finally
        {
            registration.Dispose(); // waits for a cancel callback in progress, so none lands on the next call
            lock (_callGate)
            {
                _activeCall = 0;
                _deadline = 0;
                _cancelledAt = 0;
            }
            _session.End();
            DisarmCpuLimit();
        }
    }

    /// <summary>The stream ended: the death as the caller should see it.</summary>
    private Exception Lost(string functionName, Exception? inner, CancellationToken cancellationToken)
    {
        ExtismWorkerException death = Died(functionName, inner);
        if (KilledForDispose) return new ObjectDisposedException(nameof(IsolatedPluginPool), death);
        // Killed because it did not stop after a cancel: the caller asked for the cancel.
        if (cancellationToken.IsCancellationRequested) return new OperationCanceledException("The call was cancelled; its worker did not stop in time and was killed.", death, cancellationToken);
        return death;
    }

    private void RequestCancel()
    {
        uint id;
        lock (_callGate)
        {
            id = _activeCall;
            if (id == 0) return;
            _cancelledAt = Stopwatch.GetTimestamp();
        }
        try
        {
            Span<byte> frame = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, id);
            lock (_cancelPipe)
            {
                _cancelPipe.Write(frame);
                _cancelPipe.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The worker is gone; the calling thread finds out from its read.
        }
    }

    /// <summary>The pool's monitor: kills a worker whose call ran past its deadline or its cancel's grace, or whose memory passed the limit.</summary>
    internal void Check(long now, long cancelGrace, long? maxMemoryBytes)
    {
        long deadline, cancelledAt;
        lock (_callGate)
        {
            if (_activeCall == 0) return;
            deadline = _deadline;
            cancelledAt = _cancelledAt;
        }
        if ((deadline != 0 && now > deadline) || (cancelledAt != 0 && now - cancelledAt > cancelGrace))
        {
            Kill(WorkerExitReason.Hung);
        }
        else if (maxMemoryBytes is { } max && ResidentBytes() is { } resident && resident > max)
        {
            Kill(WorkerExitReason.MemoryLimit);
        }
    }

    /// <summary>The exception a failure inside a healthy worker maps to: the same types and kinds as in-process.</summary>
    private static ExtismException Failure(ExtismErrorKind kind, int? returnCode, string message, Exception? hostException) => kind switch
    {
        ExtismErrorKind.Timeout => new ExtismTimeoutException(message, returnCode),
        ExtismErrorKind.Trap => new ExtismTrapException(message, returnCode),
        ExtismErrorKind.FuelExhausted => new ExtismFuelExhaustedException(message, returnCode),
        ExtismErrorKind.OutOfMemory => new ExtismOutOfMemoryException(message, returnCode),
        ExtismErrorKind.GuestExit => new ExtismExitException(message, returnCode ?? 0),
        // The worker's SDK names the stand-in exception it threw; name the callback's own, as in-process.
        ExtismErrorKind.HostFunction => new ExtismException(
            hostException is null ? message : message.Replace("threw IsolatedHostFunctionFailedException", "threw " + hostException.GetType().Name, StringComparison.Ordinal),
            kind, returnCode, hostException),
        _ => new ExtismException(message, kind, returnCode),
    };
}

/// <summary>The worker's stream ended during a host call; the call fails with the worker's death.</summary>
internal sealed class WorkerLostException() : Exception("The Extism worker process ended.");

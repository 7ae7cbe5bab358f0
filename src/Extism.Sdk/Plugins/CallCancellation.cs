namespace Extism.Sdk;

/// <summary>
/// Interrupting the call running on one <see cref="Plugin"/>: the plug-in marks each call's start
/// and end, and a cancel (from <see cref="Plugin.Cancel"/>, a call's token, or a failed host
/// function) is sent to the native instance only while that call runs, never to the next one.
/// </summary>
internal sealed class CallCancellation(Plugin owner)
{
    // Resend schedule (see ResendUntilCallEnds): first after 1 ms, doubling up to 50 ms.
    private const int FirstResendMs = 1;
    private const int MaxResendMs = 50;
    // How long resends go on when an interrupt also reaches sibling instances of one engine.
    private const int SharedEngineResendLimitMs = 2000;

    // Guards _callEpoch and every cancel sent, so that a cancel meant for one call is never sent
    // once that call has ended (it would otherwise risk landing on the next call).
    private readonly object _gate = new();
    private long _callEpoch; // odd while a call runs
    private volatile bool _requested;

    /// <summary>An interruption was asked for during the current (or last) call.</summary>
    internal bool Requested => _requested;

    /// <summary>Marks a call's start. Runs under the plug-in's lock, so the native instance cannot change until <see cref="End"/>.</summary>
    internal void Begin()
    {
        lock (_gate)
        {
            _requested = false;
            _callEpoch++;
        }
    }

    internal void End()
    {
        lock (_gate) _callEpoch++;
    }

    /// <summary>Interrupts the running call, if any, and keeps resending until it ends. True when a call was running.</summary>
    internal bool Request()
    {
        long epoch;
        lock (_gate)
        {
            epoch = _callEpoch;
            if ((epoch & 1) == 0) return false;
            _requested = true;
            owner.CurrentInstance.SendCancel();
        }
        // libextism drops a cancel that arrives before the export starts running (instantiation
        // and input copy come first), so repeat it until the call is over.
        _ = ResendUntilCallEnds(epoch);
        return true;
    }

    /// <summary>Sends one cancel to the running call, used when a host function of this (non-shared) plug-in failed.</summary>
    internal void SendOnce()
    {
        lock (_gate) owner.CurrentInstance.SendCancel();
    }

    private async Task ResendUntilCallEnds(long epoch)
    {
        // On its own engine it repeats until the call ends, so a call blocked in a long host
        // function is still interrupted when it returns to wasm. On an engine shared with sibling
        // instances every resend interrupts them too, so there it stops after about two seconds.
        int delay = FirstResendMs;
        for (int elapsed = 0; !owner.SharesEngine || elapsed < SharedEngineResendLimitMs; elapsed += delay)
        {
            await Task.Delay(delay).ConfigureAwait(false);
            lock (_gate)
            {
                if (_callEpoch != epoch) return;
                owner.CurrentInstance.SendCancel();
            }
            delay = Math.Min(delay * 2, MaxResendMs);
        }
    }
}

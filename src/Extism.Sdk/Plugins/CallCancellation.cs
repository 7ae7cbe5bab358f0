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

    // A cancel meant for one call must never be sent once that call has ended (it could land on
    // the next call). Lock-free, because Begin and End run on every call: a sender announces
    // itself in _senders before it reads the epoch, and End, after moving the epoch on, waits
    // for announced senders to finish. Both sides write before they read (interlocked, so fully
    // fenced), so a sender that saw this call running is always seen, and waited for, by End.
    private long _callEpoch; // odd while a call runs
    private int _senders;
    private volatile bool _requested;
    private volatile bool _sent;

    /// <summary>An interruption was asked for during the current (or last) call.</summary>
    internal bool Requested => _requested;

    /// <summary>A cancel went to libextism during the current (or last) call; settled once <see cref="End"/> returns.</summary>
    internal bool Sent => _sent;

    /// <summary>Marks a call's start. Runs under the plug-in's lock, so the native instance cannot change until <see cref="End"/>.</summary>
    internal void Begin()
    {
        // Senders of the previous call are done (End waited for them); one arriving now sees
        // either the even epoch (and sends nothing) or this call's, after the reset below.
        // Only the lock holder writes the epoch, and Begin needs no fence: a sender that reads the
        // old (even) value sends nothing, which is right, since the call has not started. The
        // release write orders the reset of _requested before the odd epoch.
        _requested = false;
        _sent = false;
        Volatile.Write(ref _callEpoch, _callEpoch + 1);
    }

    internal void End()
    {
        Interlocked.Increment(ref _callEpoch);
        if (Volatile.Read(ref _senders) != 0) WaitForSenders();
    }

    private void WaitForSenders()
    {
        // A sender holds on for one channel send into libextism: microseconds at most.
        var spin = new SpinWait();
        while (Volatile.Read(ref _senders) != 0) spin.SpinOnce();
    }

    /// <summary>Interrupts the running call, if any, and keeps resending until it ends. True when a call was running.</summary>
    internal bool Request()
    {
        long epoch = SendIfRunning(expected: null);
        if (epoch == 0) return false;
        // libextism drops a cancel that arrives before the export starts running (instantiation
        // and input copy come first), so repeat it until the call is over.
        _ = ResendUntilCallEnds(epoch);
        return true;
    }

    /// <summary>Sends one cancel to the running call, used when a host function of this (non-shared) plug-in failed.</summary>
    internal void SendOnce()
    {
        // On the calling thread, inside the call: the call cannot end while this runs.
        _sent = true;
        owner.CurrentInstance.SendCancel();
    }

    /// <summary>
    /// Sends a cancel if a call is running (and, with <paramref name="expected"/>, only if it is
    /// still that call); returns the epoch it was sent for, or 0 when nothing was sent.
    /// </summary>
    private long SendIfRunning(long? expected)
    {
        Interlocked.Increment(ref _senders);
        try
        {
            long epoch = Volatile.Read(ref _callEpoch);
            if ((epoch & 1) == 0 || (expected is { } call && call != epoch)) return 0;
            if (expected is null) _requested = true;
            _sent = true;
            owner.CurrentInstance.SendCancel();
            return epoch;
        }
        finally
        {
            Interlocked.Decrement(ref _senders);
        }
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
            if (SendIfRunning(epoch) == 0) return;
            delay = Math.Min(delay * 2, MaxResendMs);
        }
    }
}

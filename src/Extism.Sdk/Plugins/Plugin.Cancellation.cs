using Extism.Sdk.Native;

namespace Extism.Sdk;

public sealed partial class Plugin
{
    // Guards _callEpoch and every cancel sent, so that a cancel meant for one call is never sent
    // once that call has ended (it would otherwise risk landing on the next call).
    private readonly object _cancelGate = new();
    private long _callEpoch; // odd while a call runs
    private volatile bool _cancelRequested;
    // Resend schedule (see ResendCancelUntilCallEnds); static fields so an experiment can tune them.
    private static int s_firstResendMs = 1;
    private static int s_maxResendMs = 50;

    /// <summary>
    /// Interrupts the call running on this plug-in, if any, from any thread. The call throws
    /// <see cref="OperationCanceledException"/>; the plug-in stays usable. Nothing is remembered
    /// for later calls. Instances of one <see cref="CompiledPlugin"/> share an engine, so libextism
    /// interrupts every one of them that is mid-call at that moment.
    /// </summary>
    /// <returns>True when a call was running.</returns>
    public bool Cancel() => RequestCancel();

    private void BeginCall()
    {
        lock (_cancelGate)
        {
            _cancelRequested = false;
            _callEpoch++;
        }
    }

    private void EndCall()
    {
        lock (_cancelGate) _callEpoch++;
    }

    internal bool RequestCancel()
    {
        long epoch;
        lock (_cancelGate)
        {
            epoch = _callEpoch;
            if ((epoch & 1) == 0) return false;
            _cancelRequested = true;
            SendCancelLocked();
        }
        // libextism drops a cancel that arrives before the export starts running (instantiation
        // and input copy come first), so repeat it until the call is over.
        _ = ResendCancelUntilCallEnds(epoch);
        return true;
    }

    private async Task ResendCancelUntilCallEnds(long epoch)
    {
        // On its own engine it repeats until the call ends, so a call blocked in a long host
        // function is still interrupted when it returns to wasm. On an engine shared with sibling
        // instances every resend interrupts them too, so there it stops after about two seconds.
        int delay = s_firstResendMs;
        if (delay <= 0) return;
        for (int elapsed = 0; !SharesEngine || elapsed < 2000; elapsed += delay)
        {
            await Task.Delay(delay).ConfigureAwait(false);
            lock (_cancelGate)
            {
                if (_callEpoch != epoch) return;
                SendCancelLocked();
            }
            delay = Math.Min(delay * 2, s_maxResendMs);
        }
    }

    /// <summary>Sends one cancel, used when a host function of this (non-shared) plug-in failed.</summary>
    internal void SendCancel()
    {
        lock (_cancelGate) SendCancelLocked();
    }

    private unsafe void SendCancelLocked()
    {
        // The cancel handle lives inside the plug-in: keep it alive while using the handle.
        bool referenced = false;
        try
        {
            _handle.DangerousAddRef(ref referenced);
            Interop.extism_plugin_cancel(_cancelHandle);
        }
        catch (ObjectDisposedException)
        {
            // Disposed and no call holds it: nothing is running to cancel.
        }
        finally
        {
            if (referenced) _handle.DangerousRelease();
        }
    }
}

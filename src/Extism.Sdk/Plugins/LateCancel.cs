using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Extism.Sdk;

/// <summary>
/// A cancel that libextism delivers after the call it was meant for. <see cref="Plugin.Cancel"/>
/// and a call's token reach libextism as a message to its timer thread, and that thread
/// interrupts the engine when it reads the message (libextism 1.41 runtime/src/timer.rs). If it
/// reads it late (a starved thread on a loaded machine) and the call has meanwhile ended on its
/// own, the interrupt lands on whatever runs next on that engine: the plug-in's next call, which
/// then fails with "timeout" though nothing asked for one, or the instantiation of the fresh
/// instance self-healing makes (seen about once in 1,000 to 5,000 cancels under load).
/// </summary>
/// <remarks>
/// This struct lives in <see cref="Plugin"/> and is only touched under the plug-in's lock. It
/// remembers when the plug-in last sent a cancel; for a short window after that, a call that
/// fails with an interruption nobody asked for (no token, no <see cref="Plugin.Cancel"/> during it,
/// and not its own manifest timeout) is taken for the late cancel, and Plugin repeats it once on a
/// fresh instance. Outside that window, the call path reads no clock for it.
/// </remarks>
internal struct LateCancel
{
    // The timer thread reads its messages within microseconds unless it is starved; two seconds
    // is far beyond any starvation seen on these machines, and bounds how long a plug-in treats
    // an unexplained interruption as a late cancel rather than as a real failure.
    private static readonly long Window = Stopwatch.Frequency * 2;

    private long _lastSent; // Stopwatch timestamp when the last call that sent a cancel ended; 0: none lately

    /// <summary>Records the end of a call; <paramref name="cancelSent"/>: a cancel was sent to libextism during it.</summary>
    internal void CallEnded(bool cancelSent)
    {
        if (cancelSent) _lastSent = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// At a call's start: a timestamp to measure the call from when a late cancel may still be on
    /// its way, else 0. Reads the clock only within the window after a cancel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // on every call: one field test unless a cancel was sent lately
    internal long Open() => _lastSent == 0 ? 0 : OpenWindow();

    private long OpenWindow()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - _lastSent <= Window) return now;
        _lastSent = 0;
        return 0;
    }

    /// <summary>True while a cancel this plug-in sent may still be delivered late.</summary>
    internal readonly bool Possible => _lastSent != 0 && Stopwatch.GetTimestamp() - _lastSent <= Window;

    /// <summary>
    /// True when <paramref name="failure"/>, from a call opened at <paramref name="opened"/> (see
    /// <see cref="Open"/>), is most likely a late cancel: an interruption reported as a timeout
    /// (CallOutcome turns one that was asked for into <see cref="OperationCanceledException"/>)
    /// that cannot be the call's own manifest timeout, because the manifest has none or the call
    /// stopped before it elapsed. With an unknown manifest (raw bytes) it may be the call's own
    /// timeout; a repeat then costs one more timeout, once.
    /// </summary>
    internal static bool Explains(Exception failure, long opened, bool timeoutKnown, TimeSpan? timeout)
    {
        return opened != 0 && failure is ExtismTimeoutException && MayBeAnotherInterruption(opened, timeoutKnown, timeout);
    }

    /// <summary>
    /// Whether a "timeout" from a call started at <paramref name="started"/> may have come from an
    /// interruption other than the call's own manifest timeout: the manifest has none, or the call
    /// stopped before it elapsed (libextism starts its timer after our clock and never fires it
    /// early), or the manifest is unknown (raw bytes), where callers bound the cost of guessing
    /// wrong. Shared by Plugin (late cancels) and PluginPool (siblings' interruptions).
    /// </summary>
    internal static bool MayBeAnotherInterruption(long started, bool timeoutKnown, TimeSpan? timeout) =>
        !timeoutKnown || timeout is not { } deadline || Stopwatch.GetElapsedTime(started) < deadline;

    /// <summary>True when an instantiation failed because an interrupt hit it (libextism's text: "wasm trap: interrupt").</summary>
    internal static bool IsInterruptedCreation(ExtismException failure) =>
        failure.Kind == ExtismErrorKind.Creation && failure.Message.Contains("interrupt", StringComparison.Ordinal);

    /// <summary>
    /// True when a call failed in libextism's lazy instantiation of a fresh instance, before the
    /// export ran, because the engine's epoch had moved on. libextism sets a new store's epoch
    /// deadline when the instance is made, and the call's own deadline only after instantiating,
    /// so any interruption on the engine in between (a sibling's cancel or timeout, a late cancel
    /// of this plug-in's) leaves the instance unable to run any wasm, ever. The first wasm
    /// libextism runs on the store reports it: with WASI the runtime's initializer ("failed to
    /// initialize wasi runtime"), without it the kernel's error_set that clears the last error
    /// before the input is copied ("unable to clear error message"), both rc -1, measured on
    /// libextism 1.41.0. Nothing of the export ran, so repeating the call on another fresh
    /// instance is safe.
    /// </summary>
    internal static bool IsInterruptedInstantiation(Exception failure) =>
        failure is ExtismException { Kind: ExtismErrorKind.Unknown, ReturnCode: -1 } e && IsInterruptText(e.Message);

    /// <summary>libextism's texts for a call that an interrupt broke before its export ran.</summary>
    internal static bool IsInterruptText(string? message) =>
        message is not null &&
        (message.StartsWith("failed to initialize wasi runtime", StringComparison.Ordinal) ||
         message.StartsWith("unable to clear error message", StringComparison.Ordinal) ||
         message.Contains("wasm trap: interrupt", StringComparison.Ordinal));
}

using System.Runtime.CompilerServices;

namespace Extism.Sdk;

/// <summary>
/// Per-plug-in data of the call in progress, reachable from host-function trampolines through a
/// thread-static (host functions run synchronously on the calling thread). Nested calls into
/// other plug-ins (plug-in → host → plug-in) save and restore the outer context. Data only: what
/// to do when a host function fails is decided in <see cref="HostFunctionTrampolines"/>.
/// </summary>
internal sealed class CallContext
{
    [ThreadStatic] private static CallContext? t_current;

    internal CallContext(Plugin plugin) => Plugin = plugin;

    internal static CallContext? Current => t_current;

    internal Plugin Plugin { get; }

    /// <summary>
    /// The Extism memory of the native instance the call runs on: the plug-in's current instance,
    /// which changes only under its lock between calls (the call holds the lock).
    /// </summary>
    internal GuestMemory Memory => Plugin.CurrentInstance.Memory;

    /// <summary>A host function threw during this call.</summary>
    internal bool Failed { get; private set; }

    internal Exception? HostException { get; private set; }

    internal string? FailedFunction { get; private set; }

    // How many contexts have Failed set, process-wide. Every host call has to know whether its
    // call already failed; while this is 0 (nearly always) a plain static read answers that,
    // instead of the thread-static lookup, which costs more than the rest of the check. A
    // context is only ever written on the thread running its call, so that thread always sees
    // its own increment; other threads may read a stale count, which only sends them the slow way.
    private static int s_failedContexts;

    /// <summary>False when no call in the process has a failed host function; then <see cref="Current"/> need not be read to check <see cref="Failed"/>.</summary>
    internal static bool AnyFailed => Volatile.Read(ref s_failedContexts) != 0;

    // Inlined into every call (Enter, Exit and Clear's test); forgetting a failure stays out of line.
    // Enter finds the context clear: the call that failed cleared it as it ended (Plugin.CallCore).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CallContext? Enter(CallContext context)
    {
        CallContext? outer = t_current;
        t_current = context;
        return outer;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Exit(CallContext? outer) => t_current = outer;

    /// <summary>Forgets a failure once its call has reported it (the call path does this as the call ends).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Clear()
    {
        // Only a failed call leaves anything to clear (the three are written together).
        if (Failed) Forget();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Forget()
    {
        Failed = false;
        HostException = null;
        FailedFunction = null;
        Interlocked.Decrement(ref s_failedContexts);
    }

    internal void RecordFailure(Exception exception, HostFunction? function)
    {
        if (Failed) return; // the first failure is the one the caller sees
        Failed = true;
        HostException = exception;
        FailedFunction = function?.Name;
        Interlocked.Increment(ref s_failedContexts);
    }
}

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

    /// <summary>A host function threw during this call.</summary>
    internal bool Failed { get; private set; }

    internal Exception? HostException { get; private set; }

    internal string? FailedFunction { get; private set; }

    internal static CallContext? Enter(CallContext context)
    {
        CallContext? outer = t_current;
        if (context.Failed)
        {
            // Only a failed call leaves anything to clear (the three are written together).
            context.Failed = false;
            context.HostException = null;
            context.FailedFunction = null;
        }
        t_current = context;
        return outer;
    }

    internal static void Exit(CallContext? outer) => t_current = outer;

    internal void RecordFailure(Exception exception, HostFunction? function)
    {
        if (Failed) return; // the first failure is the one the caller sees
        Failed = true;
        HostException = exception;
        FailedFunction = function?.Name;
    }
}

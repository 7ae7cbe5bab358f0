using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// Per-plug-in state of the call in progress, reachable from host-function trampolines through a
/// thread-static (host functions run synchronously on the calling thread). Nested calls into
/// other plug-ins (plug-in → host → plug-in) save and restore the outer context.
/// </summary>
internal sealed unsafe class CallContext
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
        context.Failed = false;
        context.HostException = null;
        context.FailedFunction = null;
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

    /// <summary>
    /// Ends the guest's run after a host function failed, without touching any other plug-in.
    /// The C callback cannot return an error, and a cancel would interrupt every sibling made from
    /// the same compiled plug-in (they share one engine epoch; measured on libextism 1.41.0). So
    /// when the function has a result we hand back a result of the wrong wasm type: wasmtime
    /// rejects it and fails this call alone, at this very host call. Only for functions without
    /// results is a cancel used, and only when this plug-in owns its engine; otherwise the guest
    /// runs on with every later host call short-circuited, and the call still fails afterwards.
    /// </summary>
    internal static void StopGuest(CallContext context, ExtismVal* outputs, ulong count)
    {
        if (count > 0)
        {
            outputs[0].t = outputs[0].t switch
            {
                ExtismValType.I32 => ExtismValType.I64,
                ExtismValType.I64 => ExtismValType.I32,
                ExtismValType.F32 => ExtismValType.F64,
                _ => ExtismValType.F32,
            };
            return;
        }
        if (!context.Plugin.SharesEngine) context.Plugin.SendCancel();
    }
}

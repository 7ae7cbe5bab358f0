using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The only code libextism calls back into. Both entry points are [UnmanagedCallersOnly]
/// statics passed as function pointers, and neither lets an exception unwind into native frames
/// (that would end the process). The whole "a host function failed, stop the guest" policy lives
/// here: record the failure in the call's <see cref="CallContext"/>, stop the guest
/// (<see cref="StopGuest"/>), short-circuit any later host call of that plug-in call; the call
/// path then reports it (<see cref="CallOutcome.ToException"/>).
/// </summary>
internal static unsafe class HostFunctionTrampolines
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void Invoke(NativeCurrentPlugin* current, ExtismVal* inputs, ulong inputCount, ExtismVal* outputs, ulong outputCount, void* userData)
    {
        CallContext? context = null;
        HostFunction? function = null;
        System.Diagnostics.Activity? activity = null;
        try
        {
            // After a host function failed, the guest may still reach a few more host calls before
            // it stops; those must not run user code. (The thread-static is read only when some
            // call has failed: see CallContext.AnyFailed.)
            if (CallContext.AnyFailed && (context = CallContext.Current) is { Failed: true })
            {
                ZeroOutputs(outputs, outputCount);
                StopGuest(context, outputs, outputCount);
                return;
            }
            // userData is only ever a handle to the HostFunction that registered it (HostFunction.cs).
            function = Unsafe.As<HostFunction>(GCHandle.FromIntPtr((IntPtr)userData).Target!);
            var plugin = new CurrentPlugin(current, function);
            activity = Diagnostics.ExtismTelemetry.StartHostCall(function);
            // The counts are the function's declared arity, which wasmtime checked against the
            // import: small, so the spans are made without the range checks of the Span constructor.
            function.Callback(plugin, MemoryMarshal.CreateSpan(ref *inputs, (int)inputCount), MemoryMarshal.CreateSpan(ref *outputs, (int)outputCount));
            CheckResultTypes(function, outputs, outputCount);
            Diagnostics.ExtismTelemetry.HostCallCompleted(function, activity, null);
        }
        catch (Exception e)
        {
            if (function is not null)
            {
                // A throwing metrics listener must not unwind into native frames either.
                try { Diagnostics.ExtismTelemetry.HostCallCompleted(function, activity, e); } catch { }
            }
            ZeroOutputs(outputs, outputCount);
            // A body may have retyped a result before throwing: restore the declared types, which
            // the wrong-type stop below counts on.
            if (function is not null)
            {
                ReadOnlySpan<ExtismValType> declared = function.DeclaredOutputs;
                for (int i = 0; i < (int)outputCount && i < declared.Length; i++) outputs[i].t = declared[i];
            }
            context ??= CallContext.Current;
            if (context is not null)
            {
                context.RecordFailure(e, function);
                StopGuest(context, outputs, outputCount);
            }
            // Without a context (a host function reached outside Plugin.Call, e.g. from another
            // module's start function during creation) there is no call to fail: zeroed outputs it is.
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void FreeUserData(void* userData)
    {
        try
        {
            if (userData is null) return;
            GCHandle self = GCHandle.FromIntPtr((IntPtr)userData);
            (self.Target as HostFunction)?.Released();
            self.Free();
            LeakTracker.UserData(-1);
        }
        catch
        {
            // Nothing useful can be done on a native thread; never unwind into libextism.
        }
    }

    /// <summary>
    /// Ends the guest's run after a host function failed, without touching any other plug-in.
    /// The C callback cannot return an error, and a cancel would interrupt every sibling made from
    /// the same compiled plug-in (they share one engine epoch; measured on libextism 1.41.0). So
    /// when the function has a result we hand back a result of the wrong wasm type: wasmtime
    /// rejects it and fails this call alone, at this very host call (rc -1; pinned per libextism
    /// release by WrongResultTypeStopTests). Only for functions without results is a cancel used,
    /// and only when no other instance can receive it: not a sibling, and not the fresh instance a
    /// self-healing plug-in makes next on the same engine (a cancel that the short export never
    /// reached an epoch check for interrupted that instance's instantiation: "wasm trap:
    /// interrupt"). Otherwise the guest runs on with every later host call short-circuited, and
    /// the call still fails afterwards.
    /// </summary>
    private static void StopGuest(CallContext context, ExtismVal* outputs, ulong count)
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
        if (!context.Plugin.InterruptCanReachAnotherInstance) context.Plugin.Cancellation.SendOnce();
    }

    /// <summary>
    /// A body that retyped a result (old code sometimes wrote whole ExtismVal values) would make
    /// wasmtime fail the call with a type error that names nothing; report it as this host
    /// function's failure instead, after restoring the declared types.
    /// </summary>
    // Inlined into Invoke on every host call, with no throw in it (a method that throws is not
    // inlined): the usual zero or one result costs one compare; more results go out of line.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckResultTypes(HostFunction function, ExtismVal* outputs, ulong count)
    {
        if (count == 0) return;
        if (outputs[0].t != function.FirstOutputType) ResultRetyped(function, outputs, 0);
        if (count > 1) CheckOtherResultTypes(function, outputs, count);
    }

    private static void CheckOtherResultTypes(HostFunction function, ExtismVal* outputs, ulong count)
    {
        ReadOnlySpan<ExtismValType> declared = function.DeclaredOutputs;
        for (int i = 1; i < (int)count && i < declared.Length; i++)
        {
            if (outputs[i].t != declared[i]) ResultRetyped(function, outputs, i);
        }
    }

    private static void ResultRetyped(HostFunction function, ExtismVal* outputs, int i)
    {
        ExtismValType written = outputs[i].t, declared = function.DeclaredOutputs[i];
        outputs[i].t = declared;
        throw new InvalidOperationException(
            $"Host function '{function.Name}' changed the type of result {i} from {declared} to {written}. Write the union member matching the preset type and leave ExtismVal.t as it is.");
    }

    private static void ZeroOutputs(ExtismVal* outputs, ulong count)
    {
        for (ulong i = 0; i < count; i++) outputs[i].v.i64 = 0;
    }
}

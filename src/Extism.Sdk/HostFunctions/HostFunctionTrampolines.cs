using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The only code libextism calls back into. Both entry points are [UnmanagedCallersOnly]
/// statics passed as function pointers, and neither lets an exception unwind into native frames
/// (that would end the process).
/// </summary>
internal static unsafe class HostFunctionTrampolines
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void Invoke(NativeCurrentPlugin* current, ExtismVal* inputs, ulong inputCount, ExtismVal* outputs, ulong outputCount, void* userData)
    {
        CallContext? context = CallContext.Current;
        HostFunction? function = null;
        try
        {
            // After a host function failed, the guest may still reach a few more host calls before
            // it stops; those must not run user code.
            if (context is { Failed: true })
            {
                ZeroOutputs(outputs, outputCount);
                CallContext.StopGuest(context, outputs, outputCount);
                return;
            }
            function = (HostFunction)GCHandle.FromIntPtr((IntPtr)userData).Target!;
            var plugin = new CurrentPlugin(current, function);
            function.Callback(plugin, new Span<ExtismVal>(inputs, checked((int)inputCount)), new Span<ExtismVal>(outputs, checked((int)outputCount)));
        }
        catch (Exception e)
        {
            ZeroOutputs(outputs, outputCount);
            if (context is not null)
            {
                context.RecordFailure(e, function);
                CallContext.StopGuest(context, outputs, outputCount);
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
            if (userData is not null) GCHandle.FromIntPtr((IntPtr)userData).Free();
        }
        catch
        {
            // Nothing useful can be done on a native thread; never unwind into libextism.
        }
    }

    private static void ZeroOutputs(ExtismVal* outputs, ulong count)
    {
        for (ulong i = 0; i < count; i++) outputs[i].v.i64 = 0;
    }
}

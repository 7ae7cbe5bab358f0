using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// P3's loop with the fastest host function .NET can register: an <c>[UnmanagedCallersOnly]</c>
/// add_one handed to libextism's exports directly, with no SDK in between (no context, no
/// failure handling, no telemetry). In --paired it is the floor of a .NET host call: what is
/// left above it is a binding's own cost, and official/floor is the best official/ours any
/// binding could reach on this machine.
/// </summary>
internal sealed unsafe class RawHostLoop : IDisposable
{
    private readonly nint _plugin;
    private readonly nint _function;
    private readonly byte* _name;
    private readonly byte* _n0;
    private readonly byte* _n1000;
    private readonly byte* _n;

    /// <param name="hostLoopWasm">Path of host_loop.wasm.</param>
    public RawHostLoop(string hostLoopWasm)
    {
        _function = RawExports.NewFunction("add_one", &AddOne);
        _plugin = RawExports.NewPlugin(File.ReadAllBytes(hostLoopWasm), _function);
        _name = RawExports.NativeUtf8("loop");
        _n0 = (byte*)NativeMemory.AllocZeroed(8);
        _n1000 = (byte*)NativeMemory.AllocZeroed(8);
        _n = (byte*)NativeMemory.AllocZeroed(8);
        *(ulong*)_n1000 = 1000;
        if (N1000() != 1000) throw new InvalidOperationException("raw host loop did not count to 1000");
    }

    public long N0() => Loop(_n0);

    public long N1000() => Loop(_n1000);

    /// <summary>One call of <c>loop</c> making <paramref name="hostCalls"/> host calls.</summary>
    public long Loop(ulong hostCalls)
    {
        *(ulong*)_n = hostCalls;
        return Loop(_n);
    }

    private long Loop(byte* n)
    {
        if (RawExports.Call(_plugin, _name, n, 8, null) != 0 || RawExports.Error(_plugin) is not null) throw new InvalidOperationException("raw host loop failed");
        return *(long*)RawExports.OutputData(_plugin);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void AddOne(void* current, ExtismVal* inputs, ulong inputCount, ExtismVal* outputs, ulong outputCount, void* userData)
        => outputs[0].v.i64 = inputs[0].v.i64 + 1;

    public void Dispose()
    {
        RawExports.PluginFree(_plugin);
        RawExports.FunctionFree(_function);
        NativeMemory.Free(_name);
        NativeMemory.Free(_n0);
        NativeMemory.Free(_n1000);
        NativeMemory.Free(_n);
    }
}

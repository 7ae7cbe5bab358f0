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
    private readonly delegate* unmanaged<nint, byte*, byte*, ulong, void*, int> _call;
    private readonly delegate* unmanaged<nint, byte*> _error;
    private readonly delegate* unmanaged<nint, byte*> _output;
    private readonly delegate* unmanaged<nint, void> _free;
    private readonly delegate* unmanaged<nint, void> _freeFunction;
    private readonly nint _plugin;
    private readonly nint _function;
    private readonly byte* _name;
    private readonly byte* _n0;
    private readonly byte* _n1000;

    public RawHostLoop()
    {
        // The very library the SDK loaded, so both sides run the same code.
        ExtismRuntime.EnsureLoaded();
        IntPtr lib = NativeLibrary.Load(ExtismRuntime.LibraryPath);
        _call = (delegate* unmanaged<nint, byte*, byte*, ulong, void*, int>)NativeLibrary.GetExport(lib, "extism_plugin_call_with_host_context");
        _error = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(lib, "extism_plugin_error");
        _output = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(lib, "extism_plugin_output_data");
        _free = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "extism_plugin_free");
        _freeFunction = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "extism_function_free");
        var newFunction = (delegate* unmanaged<byte*, ExtismValType*, ulong, ExtismValType*, ulong,
            delegate* unmanaged[Cdecl]<void*, ExtismVal*, ulong, ExtismVal*, ulong, void*, void>, void*, void*, nint>)
            NativeLibrary.GetExport(lib, "extism_function_new");
        var create = (delegate* unmanaged<byte*, ulong, nint*, ulong, byte, byte**, nint>)NativeLibrary.GetExport(lib, "extism_plugin_new");
        ExtismValType i64 = ExtismValType.I64;
        fixed (byte* functionName = "add_one\0"u8) _function = newFunction(functionName, &i64, 1, &i64, 1, &AddOne, null, null);
        byte[] wasm = File.ReadAllBytes(Inputs.PluginPath("host_loop.wasm"));
        byte* error = null;
        nint function = _function;
        fixed (byte* bytes = wasm) _plugin = create(bytes, (ulong)wasm.Length, &function, 1, 0, &error);
        if (_plugin == 0) throw new InvalidOperationException("extism_plugin_new failed for the raw host loop");
        _name = (byte*)NativeMemory.AllocZeroed(8);
        "loop"u8.CopyTo(new Span<byte>(_name, 4));
        _n0 = (byte*)NativeMemory.AllocZeroed(8);
        _n1000 = (byte*)NativeMemory.AllocZeroed(8);
        *(ulong*)_n1000 = 1000;
        if (Loop(_n1000) != 1000) throw new InvalidOperationException("raw host loop did not count to 1000");
    }

    public long N0() => Loop(_n0);

    public long N1000() => Loop(_n1000);

    private long Loop(byte* n)
    {
        if (_call(_plugin, _name, n, 8, null) != 0 || _error(_plugin) is not null) throw new InvalidOperationException("raw host loop failed");
        return *(long*)_output(_plugin);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void AddOne(void* current, ExtismVal* inputs, ulong inputCount, ExtismVal* outputs, ulong outputCount, void* userData)
        => outputs[0].v.i64 = inputs[0].v.i64 + 1;

    public void Dispose()
    {
        _free(_plugin);
        _freeFunction(_function);
        NativeMemory.Free(_name);
        NativeMemory.Free(_n0);
        NativeMemory.Free(_n1000);
    }
}

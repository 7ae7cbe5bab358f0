using System.Runtime.InteropServices;
using System.Text;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// The checked no-op call made from C# straight through libextism's exports, with no SDK in
/// between, on its own echo.wasm instance. In --paired it separates the SDK's own cost from
/// whatever a .NET process adds around the native call (GC transitions, a busier address space).
/// </summary>
internal sealed unsafe class RawNoop : IDisposable
{
    private readonly delegate* unmanaged<nint, byte*, byte*, ulong, void*, int> _call;
    private readonly delegate* unmanaged<nint, byte*> _error;
    private readonly delegate* unmanaged<nint, ulong> _length;
    private readonly delegate* unmanaged<nint, void> _free;
    private readonly nint _plugin;
    private readonly byte* _name;
    private readonly byte* _empty;

    public RawNoop()
    {
        // The very library the SDK loaded, so both sides run the same code.
        ExtismRuntime.EnsureLoaded();
        IntPtr lib = NativeLibrary.Load(ExtismRuntime.LibraryPath);
        _call = (delegate* unmanaged<nint, byte*, byte*, ulong, void*, int>)NativeLibrary.GetExport(lib, "extism_plugin_call_with_host_context");
        _error = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(lib, "extism_plugin_error");
        _length = (delegate* unmanaged<nint, ulong>)NativeLibrary.GetExport(lib, "extism_plugin_output_length");
        _free = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "extism_plugin_free");
        var create = (delegate* unmanaged<byte*, ulong, void*, ulong, byte, byte**, nint>)NativeLibrary.GetExport(lib, "extism_plugin_new");
        byte[] manifest = Encoding.UTF8.GetBytes($"{{\"wasm\":[{{\"path\":\"{Inputs.PluginPath("echo.wasm")}\"}}]}}");
        byte* error = null;
        fixed (byte* json = manifest) _plugin = create(json, (ulong)manifest.Length, null, 0, 0, &error);
        if (_plugin == 0) throw new InvalidOperationException("extism_plugin_new failed for the raw no-op case");
        // Native copies: nothing to pin per call, and libextism never gets a NULL data pointer.
        _name = (byte*)NativeMemory.AllocZeroed(8);
        "noop"u8.CopyTo(new Span<byte>(_name, 4));
        _empty = (byte*)NativeMemory.AllocZeroed(1);
    }

    public int Call()
    {
        int rc = _call(_plugin, _name, _empty, 0, null);
        if (rc != 0 || _error(_plugin) is not null) throw new InvalidOperationException("raw noop failed");
        return (int)_length(_plugin);
    }

    public void Dispose()
    {
        _free(_plugin);
        NativeMemory.Free(_name);
        NativeMemory.Free(_empty);
    }
}

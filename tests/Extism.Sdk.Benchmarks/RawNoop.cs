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
    private readonly nint _plugin;
    private readonly byte* _name;
    private readonly byte* _empty;

    /// <param name="echoWasm">Path of echo.wasm; the runtime reads the file itself, through a manifest, as the C side does.</param>
    public RawNoop(string echoWasm)
    {
        _plugin = RawExports.NewPlugin(Encoding.UTF8.GetBytes($"{{\"wasm\":[{{\"path\":\"{echoWasm}\"}}]}}"));
        // Native copies: nothing to pin per call, and libextism never gets a NULL data pointer.
        _name = RawExports.NativeUtf8("noop");
        _empty = (byte*)NativeMemory.AllocZeroed(1);
    }

    public int Call()
    {
        int rc = RawExports.Call(_plugin, _name, _empty, 0, null);
        if (rc != 0 || RawExports.Error(_plugin) is not null) throw new InvalidOperationException("raw noop failed");
        return (int)RawExports.OutputLength(_plugin);
    }

    public void Dispose()
    {
        RawExports.PluginFree(_plugin);
        NativeMemory.Free(_name);
        NativeMemory.Free(_empty);
    }
}

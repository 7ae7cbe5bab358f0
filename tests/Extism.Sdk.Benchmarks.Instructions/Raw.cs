using System.Runtime.InteropServices;
using System.Text;

namespace Extism.Sdk.Benchmarks.Instructions;

/// <summary>
/// A floor: one export called straight through libextism's exports (RawExports), with no SDK in
/// between, on its own instance made from a manifest that names the file. The no-op row is the
/// benchmarks' own <see cref="RawNoop"/>, so that both tools measure one and the same raw call.
/// The output is checked for an error and its length and first byte read, as any binding must.
/// </summary>
internal sealed unsafe class RawCall : Case
{
    private readonly RawNoop? _noop;
    private readonly nint _plugin;
    private readonly byte* _name;
    private readonly byte* _input;
    private readonly ulong _length;

    public RawCall(string wasm, string function, byte[] input)
    {
        if (function == "noop" && input.Length == 0)
        {
            _noop = new RawNoop(wasm);
            return;
        }
        _plugin = RawExports.NewPlugin(Encoding.UTF8.GetBytes($"{{\"wasm\":[{{\"path\":\"{wasm}\"}}]}}"));
        _name = RawExports.NativeUtf8(function);
        // A native copy: nothing to pin per call.
        _input = (byte*)NativeMemory.AllocZeroed((nuint)input.Length + 1);
        input.CopyTo(new Span<byte>(_input, input.Length));
        _length = (ulong)input.Length;
    }

    public override long Loop(int calls)
    {
        long sum = 0;
        if (_noop is not null)
        {
            for (int i = 0; i < calls; i++) sum += _noop.Call();
            return sum;
        }
        for (int i = 0; i < calls; i++)
        {
            if (RawExports.Call(_plugin, _name, _input, _length, null) != 0 || RawExports.Error(_plugin) is not null)
                throw new InvalidOperationException("raw call failed");
            ulong length = RawExports.OutputLength(_plugin);
            sum += (long)length + (length > 0 ? *RawExports.OutputData(_plugin) : 0);
        }
        return sum;
    }

    public override void Dispose()
    {
        if (_noop is not null)
        {
            _noop.Dispose();
            return;
        }
        RawExports.PluginFree(_plugin);
        NativeMemory.Free(_name);
        NativeMemory.Free(_input);
    }
}

/// <summary>The host-call floor: the benchmarks' <see cref="RawHostLoop"/> ([UnmanagedCallersOnly] add_one, no SDK).</summary>
internal sealed class RawLoop(string wasm, ulong hostCalls) : Case
{
    private readonly RawHostLoop _loop = new(wasm);

    public override long Loop(int calls)
    {
        long sum = 0;
        for (int i = 0; i < calls; i++) sum += _loop.Loop(hostCalls);
        return sum;
    }

    public override void Dispose() => _loop.Dispose();
}

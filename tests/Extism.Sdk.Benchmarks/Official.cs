#if OFFICIAL_SDK
extern alias official;

using System.Buffers;
using System.Runtime.InteropServices;
using O = official::Extism.Sdk;
using ONative = official::Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// The official Extism .NET SDK (built from its source by tests/Extism.Sdk.Benchmarks.Official,
/// loaded under <c>extern alias official</c>) running the same cases as <see cref="CallBenchmarks"/>,
/// <see cref="HostFunctionBenchmarks"/> and <see cref="CreationBenchmarks"/>, for the third side of
/// <see cref="Paired"/>. Each case is written as a user of that SDK would write it; where our SDK
/// has a cheaper way to read a large output (P5), theirs is its cheapest, the span from Call.
/// </summary>
internal sealed class OfficialSide : IDisposable
{
    private const int K64 = 64 * 1024;
    private const int M1 = 1024 * 1024;

    private readonly O.Plugin _echo;
    private readonly O.Plugin _vowels;
    private readonly O.Plugin _typed;
    private readonly O.Plugin _raw;
    private readonly O.CompiledPlugin _compiled;
    private readonly O.Manifest _echoManifest;
    private readonly byte[] _text4K = Inputs.TextBytes(4096);
    private readonly string _string4K = Inputs.Text(4096);
    private readonly byte[] _data64K = Inputs.Pattern(K64);
    private readonly byte[] _data1M = Inputs.Pattern(M1);
    private readonly byte[] _n0 = Inputs.U64(0);
    private readonly byte[] _n1000 = Inputs.U64(1000);
    private readonly ArrayBufferWriter<byte> _writer = new(M1);

    private OfficialSide()
    {
        _echoManifest = ManifestFor("echo.wasm");
        _echo = new O.Plugin(_echoManifest, [], withWasi: false);
        _vowels = new O.Plugin(ManifestFor("count_vowels.wasm"), [], withWasi: false);
        // The same two host-function styles as ours: the typed factory and the raw ExtismFunction.
        var typed = O.HostFunction.FromMethod<long, long>("add_one", null!, static (_, v) => v + 1);
        var raw = new O.HostFunction("add_one", [ONative.ExtismValType.I64], [ONative.ExtismValType.I64], null,
            static (_, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);
        _typed = new O.Plugin(ManifestFor("host_loop.wasm"), [typed], withWasi: false);
        _raw = new O.Plugin(ManifestFor("host_loop.wasm"), [raw], withWasi: false);
        _compiled = new O.CompiledPlugin(_echoManifest, [], withWasi: false);
        Check();
    }

    /// <summary>
    /// Loads the official SDK so that its <c>[DllImport("extism")]</c> resolves to the very file
    /// our loader uses (<paramref name="libraryPath"/>): the same libextism instance, so both
    /// sides run the same native code. (The C side links its own copy of the same release.)
    /// </summary>
    public static OfficialSide Create(string libraryPath)
    {
        bool resolved = false;
        NativeLibrary.SetDllImportResolver(typeof(O.Plugin).Assembly, (name, _, _) =>
        {
            if (name != "extism") return IntPtr.Zero;
            resolved = true;
            return NativeLibrary.Load(libraryPath);
        });
        var side = new OfficialSide();
        if (!resolved) throw new InvalidOperationException("the official SDK did not load libextism through the resolver");
        return side;
    }

    /// <summary>The official side of a paired case, or null where that SDK has no counterpart (the raw P/Invoke row).</summary>
    public Action? For(string name) => name switch
    {
        "P1_Noop" => () => _echo.Call("noop", ReadOnlySpan<byte>.Empty),
        "P2_CountVowels4K" => () => _vowels.Call("count_vowels", _text4K),
        "P3_HostLoop_N0" => () => Loop(_typed, _n0),
        "P3_HostLoop_N1000" => () => Loop(_typed, _n1000),
        "P3_HostLoop_N1000_Raw" => () => Loop(_raw, _n1000),
        "P4_Echo64K" => () => _echo.Call("echo", _data64K),
        "P4_Echo1M" => () => _echo.Call("echo", _data1M),
        "P5_Echo64K_BufferWriter" => () => EchoInto(_data64K),
        "P5_Echo1M_BufferWriter" => () => EchoInto(_data1M),
        "P5_Echo64K_Reader" => () => EchoEnds(_data64K),
        "P5_Echo1M_Reader" => () => EchoEnds(_data1M),
        "P6_Instantiate_FirstCall" => () => InstantiateFirstCall(),
        "P6_New_FirstCall" => () => NewFirstCall(),
        "P7_String4K" => () => _echo.Call("echo", _string4K),
        "P7_Json4K" => () => _vowels.Call<VowelCount>("count_vowels", _string4K, BenchJson.Default.VowelCount),
        _ => null,
    };

    public void Dispose()
    {
        _echo.Dispose();
        _vowels.Dispose();
        _typed.Dispose();
        _raw.Dispose();
        _compiled.Dispose();
    }

    private static O.Manifest ManifestFor(string file) => new(new O.PathWasmSource(Inputs.PluginPath(file)));

    private void Check()
    {
        if (_echo.Call("echo", _data1M).Length != M1 || EchoEnds(_data1M) != _data1M[0] + _data1M[^1] || EchoInto(_data64K) != K64)
            throw new InvalidOperationException("official: echo returned the wrong output");
        if (_echo.Call("echo", _string4K).Length != 4096) throw new InvalidOperationException("official: string echo returned the wrong output");
        if (_vowels.Call<VowelCount>("count_vowels", _string4K, BenchJson.Default.VowelCount) is not { Count: > 0 })
            throw new InvalidOperationException("official: count_vowels JSON did not parse");
        if (Loop(_typed, _n1000) != 1000 || Loop(_raw, _n1000) != 1000)
            throw new InvalidOperationException("official: loop did not count to 1000");
        if (InstantiateFirstCall() != 0 || NewFirstCall() != 0) throw new InvalidOperationException("official: noop returned output");
    }

    private static long Loop(O.Plugin plugin, byte[] n) => BitConverter.ToInt64(plugin.Call("loop", n));

    // Its span points into the plug-in's memory: touching the ends in place is its cheapest read.
    private int EchoEnds(byte[] input)
    {
        ReadOnlySpan<byte> output = _echo.Call("echo", input);
        return output[0] + output[^1];
    }

    private int EchoInto(byte[] input)
    {
        _writer.ResetWrittenCount();
        ReadOnlySpan<byte> output = _echo.Call("echo", input);
        output.CopyTo(_writer.GetSpan(output.Length));
        _writer.Advance(output.Length);
        return output.Length;
    }

    private int InstantiateFirstCall()
    {
        using O.Plugin plugin = _compiled.Instantiate();
        return plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
    }

    private int NewFirstCall()
    {
        using var plugin = new O.Plugin(_echoManifest, [], withWasi: false);
        return plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
    }
}
#endif

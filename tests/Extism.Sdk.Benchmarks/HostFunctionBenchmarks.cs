using BenchmarkDotNet.Attributes;
using Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// P3: host_loop.wasm's <c>loop</c> calls the host's add_one N times per plug-in call. The cost of
/// one host call is (t(N=1000) - t(N=0)) / 1000, computed by bench.sh.
/// </summary>
[MemoryDiagnoser]
public class HostFunctionBenchmarks
{
    private Plugin _typed = null!;
    private Plugin _raw = null!;
    private readonly byte[] _n0 = Inputs.U64(0);
    private readonly byte[] _n1000 = Inputs.U64(1000);

    [GlobalSetup]
    public void Setup()
    {
        // The typed factory: what an application writes.
        var typed = HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1);
        // The raw delegate over ExtismVal spans, to separate the typed layer from the trampoline.
        var raw = new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null,
            static (_, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);
        _typed = new Plugin(Inputs.ManifestFor("host_loop.wasm"), [typed], withWasi: false);
        _raw = new Plugin(Inputs.ManifestFor("host_loop.wasm"), [raw], withWasi: false);
        if (Loop(_typed, _n1000) != 1000 || Loop(_raw, _n1000) != 1000)
            throw new InvalidOperationException("loop did not count to 1000");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _typed.Dispose();
        _raw.Dispose();
    }

    [Benchmark]
    public long P3_HostLoop_N0() => Loop(_typed, _n0);

    [Benchmark]
    public long P3_HostLoop_N1000() => Loop(_typed, _n1000);

    [Benchmark]
    public long P3_HostLoop_N1000_Raw() => Loop(_raw, _n1000);

    // Reads the u64 LE result in place: nothing allocated besides what the SDK itself does.
    private static long Loop(Plugin plugin, byte[] n)
        => plugin.Call("loop", n, 0, static (span, _) => BitConverter.ToInt64(span), default);
}

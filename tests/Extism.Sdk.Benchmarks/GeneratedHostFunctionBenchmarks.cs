using BenchmarkDotNet.Attributes;
using Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks;

/// <summary>add_one as a [HostFunction] method: GetHostFunctions() is generated.</summary>
internal static partial class GeneratedAddOne
{
    [HostFunction("add_one")]
    public static long AddOne(long value) => value + 1;
}

/// <summary>
/// P3G: the cost of one host call through a generated host function, against the same function
/// through <see cref="HostFunction.FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
/// and through a hand-written <see cref="ExtismFunction"/> over ExtismVal spans. Like P3,
/// host_loop.wasm's <c>loop</c> calls add_one N times; one host call is (t(N=1000) - t(N=0)) / 1000.
/// </summary>
[MemoryDiagnoser]
public class GeneratedHostFunctionBenchmarks
{
    private Plugin _generated = null!;
    private Plugin _fromMethod = null!;
    private Plugin _extismFunction = null!;
    private readonly byte[] _n0 = Inputs.U64(0);
    private readonly byte[] _n1000 = Inputs.U64(1000);

    [GlobalSetup]
    public void Setup()
    {
        _generated = new Plugin(Inputs.ManifestFor("host_loop.wasm"), GeneratedAddOne.GetHostFunctions(), withWasi: false);
        _fromMethod = new Plugin(Inputs.ManifestFor("host_loop.wasm"),
            [HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1)], withWasi: false);
        _extismFunction = new Plugin(Inputs.ManifestFor("host_loop.wasm"),
            [new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null, static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1)], withWasi: false);
        foreach (Plugin p in new[] { _generated, _fromMethod, _extismFunction })
        {
            if (Loop(p, _n1000) != 1000) throw new InvalidOperationException("loop did not count to 1000");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _generated.Dispose();
        _fromMethod.Dispose();
        _extismFunction.Dispose();
    }

    [Benchmark]
    public long P3G_HostLoop_N0() => Loop(_generated, _n0);

    [Benchmark]
    public long P3G_HostLoop_N1000_Generated() => Loop(_generated, _n1000);

    [Benchmark]
    public long P3G_HostLoop_N1000_FromMethod() => Loop(_fromMethod, _n1000);

    [Benchmark]
    public long P3G_HostLoop_N1000_ExtismFunction() => Loop(_extismFunction, _n1000);

    private static long Loop(Plugin plugin, byte[] n)
        => plugin.Call("loop", n, 0, static (span, _) => BitConverter.ToInt64(span), default);
}

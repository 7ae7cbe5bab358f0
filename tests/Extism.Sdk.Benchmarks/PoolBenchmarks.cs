using BenchmarkDotNet.Attributes;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// Pool throughput: the same count_vowels 4 KiB calls from one thread and from two. Each
/// invocation makes <see cref="Calls"/> calls, so the reported time is per call, wall clock: with
/// two threads it should approach half the one-thread figure on a machine with two free cores.
/// Both isolation modes: instances of one CompiledPlugin share a wasmtime engine, and libextism
/// 1.41 serialises calls on a shared engine even from C (measured: 0.7-1.0x with two threads),
/// while an engine per instance scales.
/// </summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private const int Calls = 64;

    private CompiledPlugin _compiled = null!;
    private PluginPool _shared = null!;
    private PluginPool _perEngine = null!;
    private byte[] _text4K = null!;
    private Action _sharedHalf = null!;
    private Action _perEngineHalf = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compiled = new CompiledPlugin(Inputs.ManifestFor("count_vowels.wasm"), [], withWasi: false);
        _shared = new PluginPool(_compiled, new PluginPoolOptions { MaxSize = 2 });
        _perEngine = new PluginPool(Inputs.ManifestFor("count_vowels.wasm"), [], null,
            new PluginPoolOptions { MaxSize = 2, Isolation = PluginPoolIsolation.EnginePerInstance });
        _text4K = Inputs.TextBytes(4096);
        // Cached once, so that the two-thread cases allocate only what Parallel.Invoke itself does.
        _sharedHalf = () => Run(_shared, Calls / 2);
        _perEngineHalf = () => Run(_perEngine, Calls / 2);
        // Fills both pools before measuring.
        Parallel.Invoke(_sharedHalf, _sharedHalf);
        Parallel.Invoke(_perEngineHalf, _perEngineHalf);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _shared.Dispose();
        _perEngine.Dispose();
        _compiled.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public int P8_Pool_1Thread() => Run(_shared, Calls);

    [Benchmark(OperationsPerInvoke = Calls)]
    public void P8_Pool_2Threads() => Parallel.Invoke(_sharedHalf, _sharedHalf);

    [Benchmark(OperationsPerInvoke = Calls)]
    public int P8_PoolPerEngine_1Thread() => Run(_perEngine, Calls);

    [Benchmark(OperationsPerInvoke = Calls)]
    public void P8_PoolPerEngine_2Threads() => Parallel.Invoke(_perEngineHalf, _perEngineHalf);

    private int Run(PluginPool pool, int calls)
    {
        int total = 0;
        for (int i = 0; i < calls; i++)
        {
            total += pool.Call("count_vowels", _text4K, 0, static (span, _) => span.Length, default);
        }
        return total;
    }
}

using BenchmarkDotNet.Attributes;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// P6: making a plug-in and getting the first call through (libextism defers the main module's
/// instantiation to the first call), then freeing it, as native/bench.c does.
/// </summary>
[MemoryDiagnoser]
public class CreationBenchmarks
{
    private CompiledPlugin _compiled = null!;
    private Manifest _manifest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _manifest = Inputs.ManifestFor("echo.wasm");
        _compiled = new CompiledPlugin(_manifest, [], withWasi: false);
    }

    [GlobalCleanup]
    public void Cleanup() => _compiled.Dispose();

    [Benchmark]
    public int P6_Instantiate_FirstCall()
    {
        using Plugin plugin = _compiled.Instantiate();
        return plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
    }

    [Benchmark]
    public int P6_New_FirstCall()
    {
        using var plugin = new Plugin(_manifest, [], withWasi: false);
        return plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
    }
}

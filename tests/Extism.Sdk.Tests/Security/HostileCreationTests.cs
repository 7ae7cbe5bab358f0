using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Tests.Security;

/// <summary>Abandoned creations are counted process-wide: hostile-creation tests run one class at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCreationCollection
{
    internal const string Name = "HostileCreation";
}

/// <summary>
/// Plug-ins whose start code never returns (a wasm start function, <c>_initialize</c>, a linked
/// library's start function). libextism runs that code inside extism_plugin_new_from_compiled,
/// where neither its timer nor a cancel reaches (BoundedCreation.cs), so before the SDK bounded
/// the wait, every path here hung until the fuel backstop ran out (about 1–3 s per 10^9 fuel on
/// this machine), and forever without one. Each case has a fuel backstop many times longer than
/// its bound: if the bound regresses, the creation ends by fuel, late and with the wrong exception,
/// and the test fails instead of hanging.
/// </summary>
[Collection(HostileCreationCollection.Name)]
public class HostileCreationTests
{
    // Several seconds of spinning: far beyond every bound below, short enough to end the leak.
    private static PluginInitializationOptions Backstop(bool wasi = false) => new() { FuelLimit = 6_000_000_000, WithWasi = wasi };

    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(2.5); // well below the backstop's end

    private static Manifest Hostile(string name, TimeSpan? timeout) => new(new PathWasmSource(TestPlugins.PathOf(name), "main")) { Timeout = timeout };

    private static T Within<T>(Func<T> act, out TimeSpan took)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return act();
        }
        finally
        {
            took = watch.Elapsed;
        }
    }

    /// <summary>Waits (bounded) until the fuel backstop ended every abandoned creation, so the next test starts clean.</summary>
    private static void AbandonedCreationsEnd()
    {
        var watch = Stopwatch.StartNew();
        while (BoundedCreation.AbandonedRunning > 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), "an abandoned creation outlived its fuel backstop");
            Thread.Sleep(50);
        }
    }

    [Theory]
    [InlineData("hostile_start", false)]
    [InlineData("hostile_initialize", false)]
    [InlineData("hostile_initialize", true)]
    public void NewPlugin_StopsAtTheManifestTimeout(string name, bool wasi)
    {
        var e = Assert.Throws<ExtismTimeoutException>(() => Within(() => new Plugin(Hostile(name, Bound), [], Backstop(wasi)), out TimeSpan took));
        Assert.Contains("creating the plug-in", e.Message);
        Assert.Equal(ExtismErrorKind.Timeout, e.Kind);
        Assert.Equal(1, BoundedCreation.AbandonedRunning);
        AbandonedCreationsEnd(); // the abandoned creation ran out of fuel and its instance was freed
    }

    [Fact]
    public void NewPlugin_StopsAtTheTimeout_WhenALinkedLibraryHangs()
    {
        var manifest = new Manifest(
            new PathWasmSource(TestPlugins.PathOf("hostile_lib"), "hostile_lib"),
            new PathWasmSource(TestPlugins.PathOf("hostile_main"), "main")) { Timeout = Bound };
        var watch = Stopwatch.StartNew();
        Assert.Throws<ExtismTimeoutException>(() => new Plugin(manifest, [], Backstop()));
        Assert.True(watch.Elapsed < Late, $"took {watch.Elapsed}");
        AbandonedCreationsEnd();
    }

    [Fact]
    public void CompiledInstantiate_StopsAtTheToken_AndRefusesTheSameCodeWhileTheHungCreationRuns()
    {
        using var compiled = new CompiledPlugin(Hostile("hostile_start", timeout: null), [], Backstop());
        using var cts = new CancellationTokenSource(Bound);
        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => compiled.Instantiate(cts.Token));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(watch.Elapsed < Late, $"took {watch.Elapsed}");

        // The same code would hang again: refused at once instead of leaking a second thread.
        var refused = Assert.Throws<ExtismException>(() => compiled.Instantiate(new CancellationTokenSource(Bound).Token));
        Assert.Equal(ExtismErrorKind.Creation, refused.Kind);
        Assert.Contains("Refused", refused.Message);
        AbandonedCreationsEnd();
    }

    [Fact]
    public void CompiledInstantiate_WithoutABound_EndsOnlyByFuel()
    {
        // What the SDK cannot change: with no timeout and no token nothing can stop the start
        // function; the fuel limit does (libextism: "all fuel consumed").
        using var compiled = new CompiledPlugin(Hostile("hostile_start", timeout: null), [], new PluginInitializationOptions { FuelLimit = 50_000_000 });
        var e = Assert.Throws<ExtismException>(() => compiled.Instantiate());
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("fuel", e.Message);
        Assert.Equal(0, BoundedCreation.AbandonedRunning);
    }

    [Fact]
    public void AStartFunctionThatFirstHangsAtTheFirstCall_IsReachedByNeitherTimeoutNorToken_OnlyByFuel()
    {
        // Pins what the SDK cannot bound (docs/security.md): libextism runs the main module's start
        // function at creation and again in the first call's lazy instantiation, before the call's
        // timer starts and where a cancel is dropped. If a libextism release starts covering it,
        // this test fails and the docs must change.
        long runs = 0;
        using var startCount = HostFunction.FromMethod<long>("start_count", null, _ => Interlocked.Increment(ref runs));
        using var plugin = new Plugin(Hostile("hostile_second_start", Bound), [startCount], new PluginInitializationOptions { FuelLimit = 1_000_000_000 });
        Assert.Equal(1, Interlocked.Read(ref runs)); // ran at creation, and returned
        using var cts = new CancellationTokenSource(Bound);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ExtismException>(() => plugin.Call("noop", [], cts.Token));
        Assert.Equal(2, Interlocked.Read(ref runs)); // ran again in the call
        Assert.Equal(ExtismErrorKind.Unknown, e.Kind); // fuel ran out in the start function: only a backtrace, and no log entry
        Assert.Contains("first call", e.Message);
        Assert.True(watch.Elapsed > Bound, $"took {watch.Elapsed}");
    }

    [Fact]
    public void Pool_HonoursRentTimeout_WhileAnInstanceIsBeingMade()
    {
        using var pool = new PluginPool(Hostile("hostile_start", timeout: null), [], Backstop(),
            new PluginPoolOptions { MaxSize = 2, RentTimeout = TimeSpan.FromSeconds(1) });
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => pool.Call("noop", ReadOnlySpan<byte>.Empty));
        Assert.Contains("RentTimeout", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.Equal(0, pool.InUse); // the slot went back
        AbandonedCreationsEnd();
    }

    [Fact]
    public async Task Pool_HonoursTheCallersToken_WhileAnInstanceIsBeingMade()
    {
        using var pool = new PluginPool(Hostile("hostile_start", timeout: null), [], Backstop(), new PluginPoolOptions { MaxSize = 2 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.CallAsync("noop", ReadOnlyMemory<byte>.Empty, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        AbandonedCreationsEnd();
    }

    [Fact]
    public async Task Registry_HonoursTheCallersToken_WhileAnInstanceIsBeingMade()
    {
        using var registry = new PluginRegistry((_, _) => ValueTask.FromResult(
            new PluginDefinition(Hostile("hostile_start", timeout: null)) { Options = Backstop() }));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => registry.CallAsync("evil", "noop", ReadOnlyMemory<byte>.Empty, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.Equal(0, registry.LiveInstances); // the budget got its place back
        AbandonedCreationsEnd();
    }

    [Fact]
    public async Task Registry_StopsAtTheManifestTimeout()
    {
        using var registry = new PluginRegistry((_, _) => ValueTask.FromResult(
            new PluginDefinition(Hostile("hostile_initialize", Bound)) { Options = Backstop() }));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ExtismTimeoutException>(() => registry.CallAsync("evil", "noop", ReadOnlyMemory<byte>.Empty));
        Assert.True(watch.Elapsed < Late, $"took {watch.Elapsed}");
        AbandonedCreationsEnd();
    }
}

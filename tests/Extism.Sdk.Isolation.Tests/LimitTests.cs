using System.Text;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>Per-call and per-worker limits: fuel in the worker's instance, the OS's limits on the worker.</summary>
public class LimitTests
{
    [Fact]
    public void FuelIsPerCallAndRunningOutKeepsTheWorker()
    {
        using var restarts = new RestartRecorder();
        using IsolatedPluginPool pool = TestPlugins.Pool("outcomes", configure: o => o.FuelLimit = 2_000_000);
        // Five calls of ~100k loop iterations each: together past the limit, each well within it.
        for (int i = 0; i < 5; i++) Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(100_000))));
        int pid = pool.WorkerIds().Single();

        var e = Assert.Throws<ExtismFuelExhaustedException>(() => pool.Call("busy", TestPlugins.U64(100_000_000)));
        Assert.Equal(ExtismErrorKind.FuelExhausted, e.Kind);
        Assert.Throws<ExtismFuelExhaustedException>(() => pool.Call("spin", ReadOnlySpan<byte>.Empty)); // fuel also ends a loop with no timeout

        Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(1000))));
        Assert.Equal(pid, pool.WorkerIds().Single());
        Assert.Equal(0, restarts.Count(pool.Name, "crashed"));
    }

    [Fact]
    public void ANonPositiveFuelLimitIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TestPlugins.Pool("echo", configure: o => o.FuelLimit = 0));
        Assert.Contains("FuelLimit", e.Message);
    }
}

using Xunit;

namespace Extism.Sdk.Tests.Pool;

/// <summary>PluginPool.Reload: new code for new instances, running calls untouched, failures change nothing.</summary>
public class PoolReloadTests
{
    private static Manifest ConfigManifest(string value) => new(new PathWasmSource(TestPlugins.PathOf("config_vars")))
    {
        Config = new Dictionary<string, string> { ["answer"] = value },
    };

    [Theory]
    [InlineData(PluginPoolIsolation.SharedEngine)]
    [InlineData(PluginPoolIsolation.EnginePerInstance)]
    public void ReloadSwapsTheCodeForNewCallsAndLeavesARentedInstanceOnTheOld(PluginPoolIsolation isolation)
    {
        using var pool = new PluginPool(ConfigManifest("one"), [], null, new PluginPoolOptions { MaxSize = 2, Isolation = isolation });
        Assert.Equal("one", pool.Call("config_get", "answer"));
        Assert.Equal(1, pool.Generation);

        using (var held = pool.Rent())
        {
            Assert.Equal(2, pool.Reload(ConfigManifest("two")));
            Assert.Equal(2, pool.Generation);
            // The rented instance is the old generation's and keeps working until returned.
            Assert.Equal("one", held.Plugin.Call("config_get", "answer"));
            Assert.Equal("two", pool.Call("config_get", "answer"));
        }
        // The old instance was disposed on return, not reused.
        for (int i = 0; i < 4; i++) Assert.Equal("two", pool.Call("config_get", "answer"));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void AFailedReloadKeepsTheOldCode()
    {
        using var pool = new PluginPool(ConfigManifest("one"), [], null, new PluginPoolOptions { MaxSize = 1 });
        Assert.Equal("one", pool.Call("config_get", "answer"));
        var broken = new Manifest(new ByteArrayWasmSource([0x00, 0x61, 0x73, 0x6d, 0x09], "broken"));
        Assert.Throws<ExtismException>(() => pool.Reload(broken));
        var wrongHash = new Manifest(new PathWasmSource(TestPlugins.PathOf("config_vars"), hash: new string('0', 64)));
        Assert.Throws<ExtismException>(() => pool.Reload(wrongHash));
        Assert.Equal(1, pool.Generation);
        Assert.Equal("one", pool.Call("config_get", "answer"));
    }

    [Fact]
    public void ReloadUnderConcurrentCallsNeverFailsACall()
    {
        using var pool = new PluginPool(ConfigManifest("0"), [], null, new PluginPoolOptions { MaxSize = 3 });
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        Task[] callers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) seen.AddOrUpdate(pool.Call("config_get", "answer"), 1, (_, n) => n + 1);
        })).ToArray();
        for (int i = 1; i <= 20; i++) pool.Reload(ConfigManifest(i.ToString()));
        // Every caller must see the last generation eventually (bounded wait, no timing assert).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!seen.ContainsKey("20") && DateTime.UtcNow < deadline) Thread.Sleep(10);
        stop.Cancel();
        Task.WaitAll(callers); // rethrows any failed call
        Assert.True(seen.ContainsKey("20"));
        Assert.Equal(21, pool.Generation);
        Assert.True(pool.Count <= 3);
    }

    [Fact]
    public void FactoryPoolsCannotBeReloaded()
    {
        using var pool = new PluginPool(() => TestPlugins.Load("echo"));
        Assert.Throws<InvalidOperationException>(() => pool.Reload(TestPlugins.Manifest("echo")));
    }

    [Fact]
    public void DisposeAfterReloadWithARentedInstanceFreesEverything()
    {
        var pool = new PluginPool(ConfigManifest("one"), [], null, new PluginPoolOptions { MaxSize = 2 });
        var lease = pool.Rent();
        pool.Reload(ConfigManifest("two"));
        pool.Dispose();
        Assert.Equal("one", lease.Plugin.Call("config_get", "answer"));
        lease.Dispose();
        Assert.Equal(0, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => pool.Reload(ConfigManifest("three")));
    }
}

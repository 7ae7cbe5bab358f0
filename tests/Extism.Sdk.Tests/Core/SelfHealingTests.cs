using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>
/// After a call that aborted guest code mid-flight, the next operation runs on a fresh native
/// instance made from the kept compiled code, with the configuration carried over and the guest's
/// own state starting afresh; opting out keeps the instance.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class SelfHealingTests : IClassFixture<LeakCheck>
{
    private static readonly byte[] NoWork = BitConverter.GetBytes(0UL);

    [Fact]
    public void TrapRecyclesAtTheNextCall()
    {
        using Plugin plugin = TestPlugins.Load("outcomes");
        Guid first = plugin.Id;
        Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []).ToArray());
        Assert.Equal(0, plugin.RecycleCount); // replaced lazily, by the next operation
        Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
        Assert.Equal(1, plugin.RecycleCount);
        Assert.NotEqual(first, plugin.Id); // Id follows the native instance (and its log lines)

        // A guest that returns its own error leaves the instance as it was.
        Guid second = plugin.Id;
        Assert.Throws<ExtismException>(() => plugin.Call("fail_with_message", []).ToArray());
        Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
        Assert.Equal(1, plugin.RecycleCount);
        Assert.Equal(second, plugin.Id);
    }

    [Fact]
    public void OptingOutKeepsTheInstance()
    {
        using var plugin = new Plugin(TestPlugins.Bytes("outcomes"), [], new PluginInitializationOptions { RecycleAfterFailure = false });
        Guid first = plugin.Id;
        for (int i = 0; i < 3; i++) Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []).ToArray());
        Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
        Assert.Equal(0, plugin.RecycleCount);
        Assert.Equal(first, plugin.Id);
    }

    [Fact]
    public void ConfigChangesAndTheFuelLimitSurviveButVarsStartAfresh()
    {
        Manifest manifest = TestPlugins.Manifest("config_vars");
        manifest.Config["a"] = "from manifest";
        manifest.Config["m"] = "removed later";
        using var plugin = new Plugin(manifest, [], new PluginInitializationOptions { FuelLimit = 5_000_000 });
        Assert.True(plugin.UpdateConfig("""{"a":"updated","m":null,"b":"added"}"""u8));
        Assert.Equal(1UL, BitConverter.ToUInt64(plugin.Call("var_count", [])));
        Assert.Equal(2UL, BitConverter.ToUInt64(plugin.Call("var_count", [])));

        // Copying a 16 MiB key costs far more than the fuel limit: the call is aborted mid-guest.
        byte[] huge = new byte[16 << 20];
        for (int round = 1; round <= 2; round++)
        {
            Assert.Throws<ExtismFuelExhaustedException>(() => plugin.Call("config_get", huge).ToArray());
            Assert.Equal("updated", plugin.Call("config_get", "a"));
            Assert.Equal(round, plugin.RecycleCount);
            Assert.Equal("", plugin.Call("config_get", "m"));
            Assert.Equal("added", plugin.Call("config_get", "b"));
            Assert.Equal(1UL, BitConverter.ToUInt64(plugin.Call("var_count", []))); // vars do not carry over
        }
    }

    [Fact]
    public void HostFunctionFailuresNeverAccumulate()
    {
        bool fail = true;
        using var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => fail ? throw new TimeoutException("db") : v + 1);
        using Plugin plugin = TestPlugins.Load("host_loop", false, addOne);
        for (int i = 1; i <= 50; i++)
        {
            var e = Assert.Throws<ExtismException>(() => plugin.Call("loop", BitConverter.GetBytes(10UL)).ToArray());
            Assert.IsType<TimeoutException>(e.InnerException);
            Assert.Equal(i - 1, plugin.RecycleCount);
        }
        fail = false;
        Assert.Equal(10UL, BitConverter.ToUInt64(plugin.Call("loop", BitConverter.GetBytes(10UL))));
        Assert.Equal(50, plugin.RecycleCount);
    }

    [Fact]
    public void CompiledInstancesHealAfterTheCompiledPluginIsDisposed()
    {
        Plugin plugin;
        using (var compiled = new CompiledPlugin(TestPlugins.Bytes("outcomes"), [], false)) plugin = compiled.Instantiate();
        using (plugin)
        {
            Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []).ToArray());
            Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
            Assert.Equal(1, plugin.RecycleCount);
        }
    }

    [Fact]
    public void CancelledCallsRecycleToo()
    {
        using var plugin = new Plugin(TestPlugins.Bytes("outcomes"), [], new PluginInitializationOptions { FuelLimit = 3_000_000_000 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAny<OperationCanceledException>(() => plugin.Call("spin", [], cts.Token).ToArray());
        Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
        Assert.Equal(1, plugin.RecycleCount);
    }

    [Fact]
    public void DisposeRightAfterAFailureNeedsNoReplacement()
    {
        var plugin = TestPlugins.Load("outcomes");
        Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []).ToArray());
        plugin.Dispose();
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("busy", NoWork).ToArray());
        Assert.Equal(0, plugin.RecycleCount);
    }

    [Fact]
    public void SynchronousCallObservesItsTokenWhileWaitingForTheLock()
    {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, v) =>
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return v + 1;
        });
        using Plugin plugin = TestPlugins.Load("host_loop", false, addOne);
        Task<ulong> holder = Task.Factory.StartNew(() => BitConverter.ToUInt64(plugin.Call("loop", BitConverter.GetBytes(1UL))), TaskCreationOptions.LongRunning);
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)), "the first call never reached its host function");

        // The second caller waits behind the first; its token ends the wait, not the first call.
        using var cts = new CancellationTokenSource();
        Task waiter = Task.Factory.StartNew(() => plugin.Call("loop", BitConverter.GetBytes(1UL), cts.Token).ToArray(), TaskCreationOptions.LongRunning);
        Assert.False(waiter.Wait(200), "the second call should be waiting for the lock");
        cts.Cancel();
        var e = Assert.ThrowsAny<AggregateException>(() => waiter.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
        Assert.False(holder.IsCompleted);

        release.Set();
        Assert.Equal(1UL, holder.Result);
        Assert.Equal(0, plugin.RecycleCount); // cancelled before it ran: nothing was aborted
    }

    [Fact]
    public void ARealPdkGuestSurvivesThousandsOfHostFunctionFailures()
    {
        // kv.wasm is AssemblyScript with @extism/as-pdk: its frames live on a shadow stack in linear
        // memory. Without a fresh instance, about 1,200 aborted calls in a row break it for good.
        bool fail = true;
        var store = new Dictionary<string, string>();
        using var read = HostFunction.FromMethod<long, long>("kv_read", store, (plugin, key) =>
            fail ? throw new TimeoutException("database timeout")
                : plugin.GetUserData<Dictionary<string, string>>()!.TryGetValue(plugin.ReadString(key), out string? v) ? plugin.WriteString(v) : 0);
        using var write = HostFunction.FromMethod<ulong, ulong>("kv_write", store, static (plugin, key, value) =>
            plugin.GetUserData<Dictionary<string, string>>()![plugin.ReadString((long)key)] = plugin.ReadString((long)value));
        using Plugin plugin = TestPlugins.Load("kv", false, read, write);
        const int failures = 2_000;
        for (int i = 0; i < failures; i++)
        {
            var e = Assert.Throws<ExtismException>(() => plugin.Call("bump", "cats"));
            Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
            Assert.IsType<TimeoutException>(e.InnerException);
        }
        fail = false;
        Assert.Equal("cats=1", plugin.Call("bump", "cats"));
        Assert.Equal("cats=2", plugin.Call("bump", "cats"));
        Assert.Equal(failures, plugin.RecycleCount);
        Assert.Equal("host_function", plugin.LastRecycleReason);
    }

    [Fact]
    public void WithoutRecyclingTheSameGuestBreaksForGood()
    {
        // The libextism fact self-healing rests on: an aborted call never pops the guest's shadow
        // stack and the instance is never rebuilt, so failures accumulate until every call traps.
        bool fail = true;
        using var read = HostFunction.FromMethod<long, long>("kv_read", null, (_, _) => fail ? throw new TimeoutException("database timeout") : 0);
        using var write = HostFunction.FromMethod<ulong, ulong>("kv_write", null, static (_, _, _) => { });
        using var plugin = new Plugin(TestPlugins.Bytes("kv"), [read, write], new PluginInitializationOptions { RecycleAfterFailure = false });
        for (int i = 0; i < 2_000; i++) Assert.ThrowsAny<ExtismException>(() => plugin.Call("bump", "cats"));
        fail = false;
        Assert.Throws<ExtismTrapException>(() => plugin.Call("bump", "cats"));
        Assert.Equal(0, plugin.RecycleCount);
    }

    [Theory]
    [InlineData("trap", "trap")]
    [InlineData("spin", "fuel_exhausted")]
    public void TheReasonIsTheFailuresKindInSnakeCase(string export, string reason)
    {
        using var plugin = new Plugin(TestPlugins.Bytes("outcomes"), [], new PluginInitializationOptions { FuelLimit = 1_000_000 });
        Assert.ThrowsAny<ExtismException>(() => plugin.Call(export, []).ToArray());
        Assert.True(plugin.FunctionExists("busy")); // any operation replaces the instance
        Assert.Equal(1, plugin.RecycleCount);
        Assert.Equal(reason, plugin.LastRecycleReason);
    }

    [Fact]
    public void DisposeRacingRecyclesFreesEveryInstance()
    {
        // Failing and normal calls alternate on one thread while another disposes: whatever the
        // interleaving, calls end in their own outcome or ObjectDisposedException, and the class's
        // leak check finds every native instance freed.
        for (int round = 0; round < 20; round++)
        {
            var plugin = TestPlugins.Load("outcomes");
            using var started = new ManualResetEventSlim();
            Task caller = Task.Factory.StartNew(() =>
            {
                started.Set();
                try
                {
                    while (true)
                    {
                        try
                        {
                            plugin.Call("trap", []);
                            Assert.Fail("the trap export returned");
                        }
                        catch (ExtismTrapException)
                        {
                        }
                        plugin.Call("busy", NoWork);
                    }
                }
                catch (ObjectDisposedException)
                {
                }
            }, TaskCreationOptions.LongRunning);
            started.Wait();
            Thread.Sleep(round % 5);
            plugin.Dispose();
            Assert.True(caller.Wait(TimeSpan.FromSeconds(30)));
            caller.GetAwaiter().GetResult();
        }
    }
}

using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Tests.Core;

public class CancellationTests
{
    [Fact]
    public void TokenCancelledBeforeTheCallThrowsWithoutCalling()
    {
        using var plugin = TestPlugins.Load("outcomes");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var e = Assert.Throws<OperationCanceledException>(() => plugin.Call("spin", [], cts.Token).ToArray());
        Assert.Equal(cts.Token, e.CancellationToken);
    }

    [Fact]
    public void TokenCancelledDuringTheCallStopsItAndThePluginStillWorks()
    {
        using var plugin = TestPlugins.Load("outcomes");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var watch = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => plugin.Call("spin", [], cts.Token).ToArray());
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("done", System.Text.Encoding.UTF8.GetString(plugin.Call("busy", BitConverter.GetBytes(10UL))));
    }

    [Fact]
    public void TokenCancelledDuringFirstCallInstantiationStillStopsIt()
    {
        // The cancel lands while libextism instantiates the module (before the export runs),
        // which libextism alone would drop.
        for (int i = 0; i < 5; i++)
        {
            using var plugin = TestPlugins.Load("outcomes");
            using var cts = new CancellationTokenSource(TimeSpan.FromTicks(i * 2000));
            Task call = Task.Run(() => plugin.Call("spin", [], cts.Token).ToArray());
            if (!((IAsyncResult)call).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)))
            {
                // Diagnose before failing: is libextism's timer thread still taking requests?
                using var probe = new Plugin(TestPlugins.Manifest("outcomes") is var m && (m.Timeout = TimeSpan.FromMilliseconds(50)) != null ? m : m, [], false);
                Task timed = Task.Run(() => probe.Call("spin", []).ToArray());
                bool timerAlive = ((IAsyncResult)timed).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5));
                Assert.Fail($"spin still running 20 s after its token was cancelled (iteration {i}); Cancel() now returns {plugin.Cancel()}; a 50 ms manifest timeout elsewhere {(timerAlive ? "still fires" : "no longer fires")}");
            }
            Assert.ThrowsAny<OperationCanceledException>(() => call.GetAwaiter().GetResult());
        }
    }

    [Fact]
    public void PluginCancelFromAnotherThreadStopsTheCall()
    {
        using var plugin = TestPlugins.Load("outcomes");
        Assert.False(plugin.Cancel()); // nothing running
        var call = Task.Run(() => plugin.Call("spin", []).ToArray());
        while (!plugin.Cancel()) Thread.Sleep(1);
        var e = Assert.ThrowsAny<OperationCanceledException>(() => call.GetAwaiter().GetResult());
        Assert.Contains("Plugin.Cancel", e.Message);
        Assert.Equal("done", System.Text.Encoding.UTF8.GetString(plugin.Call("busy", BitConverter.GetBytes(10UL))));
    }

    [Fact]
    public void CancelAfterACallDoesNotAffectTheNextCall()
    {
        using var plugin = TestPlugins.Load("outcomes");
        using var cts = new CancellationTokenSource();
        plugin.Call("busy", BitConverter.GetBytes(10UL), cts.Token);
        cts.Cancel();
        Assert.Equal(4, plugin.Call("busy", BitConverter.GetBytes(1_000_000UL)).Length);
    }
}

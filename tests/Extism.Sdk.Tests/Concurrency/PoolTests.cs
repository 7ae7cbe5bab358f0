using System.Text;
using Xunit;
using static Extism.Sdk.Tests.Concurrency.ConcurrencyHelpers;

namespace Extism.Sdk.Tests.Concurrency;

/// <summary>Renting, returning, replacing and disposing.</summary>
public class PoolTests
{
    private static PluginPool OutcomesPool(int size, TimeSpan? rentTimeout = null)
        => new(TestPlugins.Manifest("outcomes"), [], null, new PluginPoolOptions { MaxSize = size, RentTimeout = rentTimeout });

    [Fact]
    public void InstancesAreCreatedLazilyAndReused()
    {
        using var pool = OutcomesPool(3);
        Assert.Equal(0, pool.Count);
        Guid first;
        using (var lease = pool.Rent()) first = lease.Plugin.Id;
        Assert.Equal(1, pool.Count);
        using (var lease = pool.Rent()) Assert.Equal(first, lease.Plugin.Id);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void RentingReturningAndTheInPlaceCallAllocateNothing()
    {
        using var pool = new PluginPool(TestPlugins.Manifest("echo"), [], null, new PluginPoolOptions { MaxSize = 2 });
        byte[] input = "hello"u8.ToArray();
        // One delegate for warm-up and measurement: a lambda caches its delegate on first use.
        OutputReader<int, int> length = static (output, _) => output.Length;
        for (int i = 0; i < 200; i++)
        {
            pool.Call("echo", input, 0, length);
            using var warm = pool.Rent();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 1000; i++)
        {
            total += pool.Call("echo", input, 0, length);
            using var lease = pool.Rent();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(5000, total);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WaitingRenterHonoursItsToken()
    {
        using var pool = OutcomesPool(1);
        using var held = pool.Rent();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => pool.Rent(cts.Token));
        using var cts2 = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => pool.Call("busy", U64(1), cts2.Token));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task AsyncWaitersHonourTheirTokensAndGetInstancesInTurn()
    {
        using var pool = OutcomesPool(1);
        var held = pool.Rent();
        using var cts = new CancellationTokenSource();
        ValueTask<PluginPool.Lease> cancelled = pool.RentAsync(cts.Token);
        Task<string> waiting = pool.CallAsync("busy", U64(10)).ContinueWith(t => Encoding.ASCII.GetString(t.Result), TaskScheduler.Default);
        Assert.False(cancelled.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        Assert.False(waiting.IsCompleted);
        held.Dispose();
        Assert.Equal("done", await waiting);
    }

    [Fact]
    public async Task RentTimeoutNamesThePoolSizeAndTheWait()
    {
        using var pool = OutcomesPool(2, TimeSpan.FromMilliseconds(50));
        using var a = pool.Rent();
        using var b = pool.Rent();
        var e = Assert.Throws<TimeoutException>(() => pool.Rent());
        Assert.Contains("all 2", e.Message);
        Assert.Contains("00:00:00.05", e.Message);
        await Assert.ThrowsAsync<TimeoutException>(() => pool.CallAsync("busy", U64(1)));
    }

    [Fact]
    public void TrappedInstanceIsReplaced()
    {
        using var pool = OutcomesPool(1);
        Guid before;
        using (var lease = pool.Rent()) before = lease.Plugin.Id;
        Assert.Throws<ExtismTrapException>(() => pool.Call("trap", []));
        Assert.Equal(0, pool.Count);
        Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", U64(5))));
        using (var lease = pool.Rent()) Assert.NotEqual(before, lease.Plugin.Id);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void InstanceIsKeptAfterAGuestError()
    {
        using var pool = OutcomesPool(1);
        Guid before;
        using (var lease = pool.Rent()) before = lease.Plugin.Id;
        var e = Assert.Throws<ExtismException>(() => pool.Call("fail_with_message", []));
        Assert.Equal(ExtismErrorKind.GuestError, e.Kind);
        Assert.Throws<ExtismException>(() => pool.Call("nope", []));
        using (var lease = pool.Rent()) Assert.Equal(before, lease.Plugin.Id);
    }

    [Fact]
    public void MarkedBrokenLeaseIsDisposedOnReturn()
    {
        using var pool = OutcomesPool(2);
        var lease = pool.Rent();
        Plugin plugin = lease.Plugin;
        Guid id = plugin.Id;
        lease.MarkBroken();
        lease.Dispose();
        lease.Dispose(); // idempotent, also through copies
        Assert.Equal(0, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("busy", U64(1)).ToArray());
        Assert.Throws<InvalidOperationException>(() => lease.Plugin);
        Assert.Throws<InvalidOperationException>(() => default(PluginPool.Lease).Plugin);
        default(PluginPool.Lease).Dispose();
        using var next = pool.Rent();
        Assert.NotEqual(id, next.Plugin.Id);
    }

    [Fact]
    public void CopiesOfALeaseReturnItOnce()
    {
        using var pool = OutcomesPool(1, TimeSpan.Zero);
        var lease = pool.Rent();
        var copy = lease;
        lease.Dispose();
        using var again = pool.Rent(); // the only slot is free once
        copy.Dispose(); // a stale copy must not give back the new rental
        Assert.Throws<TimeoutException>(() => pool.Rent());
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void DisposeWakesWaitersAndDisposesReturnedInstances()
    {
        var pool = OutcomesPool(1);
        var lease = pool.Rent();
        Plugin plugin = lease.Plugin;
        var waiter = Task.Factory.StartNew(() => pool.Rent(), TaskCreationOptions.LongRunning);
        Thread.Sleep(50);
        pool.Dispose();
        var e = Assert.Throws<AggregateException>(() => waiter.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsType<ObjectDisposedException>(e.InnerException);
        // The rented instance still works until it comes back...
        Assert.Equal("done", Encoding.ASCII.GetString(lease.Plugin.Call("busy", U64(3))));
        lease.Dispose();
        // ...and is disposed then.
        Assert.Equal(0, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("busy", U64(1)).ToArray());
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        Assert.Throws<ObjectDisposedException>(() => pool.Call("busy", U64(1)));
        pool.Dispose();
    }

    [Fact]
    public void DisposeWhileCallsAreInFlight_TheyFinishOrFailCleanly()
    {
        var pool = OutcomesPool(4);
        int ok = 0, disposed = 0;
        var unexpected = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, 6).Select(_ => new Thread(() =>
        {
            while (true)
            {
                try
                {
                    if (Encoding.ASCII.GetString(pool.Call("busy", U64(ShortBusy / 10))) == "done") Interlocked.Increment(ref ok);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref disposed);
                    return;
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e);
                    return;
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        Thread.Sleep(150);
        pool.Dispose();
        workers.ForEach(t => t.Join());
        Assert.Empty(unexpected);
        Assert.Equal(6, disposed);
        Assert.True(ok > 0);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void FactoryPoolOwnsWhatTheFactoryMakes()
    {
        int made = 0;
        var pool = new PluginPool(() => { Interlocked.Increment(ref made); return TestPlugins.Load("echo"); }, new PluginPoolOptions { MaxSize = 2 });
        Assert.Equal("hi", pool.Call("echo", "hi"));
        Plugin plugin;
        using (var lease = pool.Rent()) plugin = lease.Plugin;
        pool.Dispose();
        Assert.Equal(1, made);
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("echo", "x"));
    }

    [Fact]
    public void CompiledPluginPoolLeavesTheCompiledPluginToItsOwner()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("echo"), [], withWasi: false);
        using (var pool = new PluginPool(compiled)) Assert.Equal("a", pool.Call("echo", "a"));
        using var plugin = compiled.Instantiate();
        Assert.Equal("b", plugin.Call("echo", "b"));
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("echo"), [], withWasi: false);
        Assert.Throws<ArgumentException>(() => new PluginPool(compiled, new PluginPoolOptions { Isolation = PluginPoolIsolation.EnginePerInstance }));
        Assert.Throws<ArgumentException>(() => new PluginPool(() => compiled.Instantiate(), new PluginPoolOptions { Isolation = PluginPoolIsolation.EnginePerInstance }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PluginPool(compiled, new PluginPoolOptions { MaxSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PluginPool(compiled, new PluginPoolOptions { MaxInterruptionRetries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PluginPool(compiled, new PluginPoolOptions { RentTimeout = TimeSpan.FromSeconds(-2) }));
        Assert.Throws<ArgumentNullException>(() => new PluginPool((CompiledPlugin)null!));
    }
}

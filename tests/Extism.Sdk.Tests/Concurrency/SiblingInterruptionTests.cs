using System.Diagnostics;
using System.Text;
using Xunit;
using static Extism.Sdk.Tests.Concurrency.ConcurrencyHelpers;

namespace Extism.Sdk.Tests.Concurrency;

/// <summary>
/// libextism interrupts every instance of one engine when one of them is cancelled or times out.
/// A pool user must never see that as their own failure, nor lose the call.
/// </summary>
public class SiblingInterruptionTests(ITestOutputHelper output)
{
    [Fact]
    public void CancelledCallAmongFourFromOneCompiledPlugin_TheOtherThreeSucceed()
    {
        var tracker = new HostLoopTracker();
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("host_loop"), [tracker.AddOne], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 4 });
        const long work = 1_000_000; // host calls: long enough to be running when the cancel lands
        var victims = Enumerable.Range(0, 3).Select(_ => OnOwnThread(() => ReadU64(pool.Call("loop", U64(work))))).ToArray();
        using var cts = new CancellationTokenSource();
        Task<byte[]> spinner = OnOwnThread(() => pool.Call("loop", U64(long.MaxValue), cts.Token));
        tracker.WaitForThreadsInside(4); // all four calls are running now
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => spinner.GetAwaiter().GetResult());
        foreach (Task<long> victim in victims) Assert.Equal(work, victim.GetAwaiter().GetResult());
        output.WriteLine($"repeated attempts: {pool.RepeatedCalls}");
        // Normally all three are repeated; one that raced to its end before the cancel need not be.
        Assert.True(pool.RepeatedCalls >= 1, "the cancel should have interrupted the running siblings");
        Assert.True(pool.PeakCount <= 4);
    }

    [Theory]
    [InlineData(PluginPoolIsolation.SharedEngine)]
    [InlineData(PluginPoolIsolation.EnginePerInstance)]
    public void CancelledCallWhileThreeOthersRun_TheyAllSucceed(PluginPoolIsolation isolation)
    {
        using var pool = new PluginPool(TestPlugins.Manifest("outcomes"), [], null, new PluginPoolOptions { MaxSize = 4, Isolation = isolation });
        int calls = RunBusySiblings(pool, 3, () =>
        {
            // As in the timeout test below: again (at most 5 times) until a running sibling was hit.
            int rounds = isolation == PluginPoolIsolation.SharedEngine ? 5 : 1;
            for (int round = 0; round < rounds && pool.RepeatedCalls == 0; round++)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
                Assert.ThrowsAny<OperationCanceledException>(() => pool.Call("spin", [], cts.Token));
            }
        });
        output.WriteLine($"{isolation}: {calls} sibling calls, {pool.RepeatedCalls} repeated attempts");
        AssertRepeats(pool, isolation);
    }

    [Theory]
    [InlineData(PluginPoolIsolation.SharedEngine)]
    [InlineData(PluginPoolIsolation.EnginePerInstance)]
    public void TimeoutInOneCallWhileThreeOthersRun_TheyAllSucceed(PluginPoolIsolation isolation)
    {
        var manifest = TestPlugins.Manifest("outcomes");
        // The siblings' calls must stay well inside the timeout even on a loaded 2-core machine:
        // a call that has run for the whole timeout when the interruption lands counts as timed out.
        manifest.Timeout = TimeSpan.FromMilliseconds(1000);
        using var pool = new PluginPool(manifest, [], null, new PluginPoolOptions { MaxSize = 4, Isolation = isolation });
        int calls = RunBusySiblings(pool, 3, () =>
        {
            // The siblings call back to back, but on a loaded machine all three can be between
            // calls (or not yet scheduled) at the one instant the deadline fires, and then nothing
            // is interrupted: seen once in two clean-clone CI runs. So on a shared engine the
            // timeout is provoked again, at most 5 times, until it has reached a running sibling;
            // if interruption stopped reaching siblings, all 5 see no repeat and the test fails.
            int rounds = isolation == PluginPoolIsolation.SharedEngine ? 5 : 1;
            for (int round = 0; round < rounds && pool.RepeatedCalls == 0; round++)
            {
                var watch = Stopwatch.StartNew();
                var e = Assert.Throws<ExtismTimeoutException>(() => pool.Call("spin", []));
                // The spinner's own deadline, reported as a timeout at once (a repeat would take 2 s).
                Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1950));
                Assert.Equal(ExtismErrorKind.Timeout, e.Kind);
            }
        }, ShortBusy / 4);
        output.WriteLine($"{isolation}: {calls} sibling calls, {pool.RepeatedCalls} repeated attempts");
        AssertRepeats(pool, isolation);
    }

    [Fact]
    public void TimeoutInACompiledPluginPool_IsStillReportedAsATimeout()
    {
        // The pool cannot read the manifest timeout back from a CompiledPlugin, so it may repeat
        // the timed-out call a few times first; the outcome must still be the caller's timeout,
        // and the busy siblings must not notice.
        var manifest = TestPlugins.Manifest("outcomes");
        manifest.Timeout = TimeSpan.FromMilliseconds(400);
        using var compiled = new CompiledPlugin(manifest, [], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 4 });
        RunBusySiblings(pool, 3, () => Assert.Throws<ExtismTimeoutException>(() => pool.Call("spin", [])), ShortBusy / 4);
        Assert.True(pool.PeakCount <= 4);
    }

    [Theory]
    [InlineData(true)]  // the instance repeats the call itself, on a fresh instance of its own
    [InlineData(false)] // the pool does, after replacing the instance
    public void AnIdleInstanceMadeBeforeASiblingsCancel_AnswersItsFirstCall(bool recycleAfterFailure)
    {
        // What a retried call met in the Orleans tests: the pool handed it an instance made before
        // a sibling's cancel interrupted the engine and never called since. libextism's first wasm
        // on that store (no WASI: the kernel's error_set, at the call's start) fails with "unable
        // to clear error message"; the export never ran, so the call must be repeated, not failed.
        var options = new PluginInitializationOptions { WithWasi = false, RecycleAfterFailure = recycleAfterFailure };
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("outcomes"), [], options);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 2 });
        using PluginPool.Lease spinning = pool.Rent();
        pool.Rent().Dispose(); // a second instance, made now, idle in the pool
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => spinning.Plugin.Call("spin", [], cts.Token));
        }
        // The spinning lease is still held, so this call can only get the idle instance.
        Assert.Equal("done", Encoding.UTF8.GetString(pool.Call("busy", [])));
        Assert.Equal(recycleAfterFailure ? 0 : 1, pool.RepeatedCalls);
        Assert.Equal("done", Encoding.UTF8.GetString(pool.Call("busy", [])));
    }

    [Fact]
    public void WithRepeatsTurnedOff_ACompiledPluginPoolPassesTheInterruptionOn()
    {
        // The behaviour the pool exists to hide, made visible: without repeats a sibling's cancel
        // fails the running call. Compiled from raw bytes, the pool cannot know the manifest
        // timeout, cannot tell this from the call's own deadline, and passes "timeout" on unchanged.
        var tracker = new HostLoopTracker();
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_loop"), [tracker.AddOne], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 2, MaxInterruptionRetries = 0 });
        Exception e = InterruptOneRunningSibling(pool, tracker);
        Assert.IsType<ExtismTimeoutException>(e);
        Assert.Equal(0, pool.RepeatedCalls);
    }

    [Fact]
    public void WithRepeatsTurnedOff_AManifestPoolNamesTheSiblingInterruption()
    {
        var tracker = new HostLoopTracker();
        using var pool = new PluginPool(TestPlugins.Manifest("host_loop"), [tracker.AddOne], null, new PluginPoolOptions { MaxSize = 2, MaxInterruptionRetries = 0 });
        var e = Assert.IsType<ExtismException>(InterruptOneRunningSibling(pool, tracker));
        Assert.Equal(ExtismErrorKind.Cancelled, e.Kind);
        Assert.Contains("not by its own", e.Message);
        Assert.IsType<ExtismTimeoutException>(e.InnerException);
    }

    [Fact]
    public void WithRepeatsTurnedOff_APoolOfACompiledManifestAlsoNamesTheSiblingInterruption()
    {
        // Compiled from a Manifest object, the compiled plug-in knows its timeout, and so does the pool.
        var tracker = new HostLoopTracker();
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("host_loop"), [tracker.AddOne], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 2, MaxInterruptionRetries = 0 });
        var e = Assert.IsType<ExtismException>(InterruptOneRunningSibling(pool, tracker));
        Assert.Equal(ExtismErrorKind.Cancelled, e.Kind);
    }

    /// <summary>Runs a long call and a spinning one, cancels the spinner while both run, and returns what the long call threw.</summary>
    private static Exception InterruptOneRunningSibling(PluginPool pool, HostLoopTracker tracker)
    {
        Task<byte[]> victim = OnOwnThread(() => pool.Call("loop", U64(1_500_000)));
        using var cts = new CancellationTokenSource();
        Task<byte[]> spinner = OnOwnThread(() => pool.Call("loop", U64(long.MaxValue), cts.Token));
        tracker.WaitForThreadsInside(2);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => spinner.GetAwaiter().GetResult());
        return Assert.ThrowsAny<Exception>(() => victim.GetAwaiter().GetResult());
    }

    [Fact]
    public void ThrowingHostFunctionInOneCallWhileThreeOthersRun_TheyAllSucceed()
    {
        // add_one fails only when the guest's counter reaches 5000: only the long call gets there.
        var addOne = HostFunction.FromMethod<long, long>("add_one", null, static (_, v) =>
            v == 5000 ? throw new InvalidDataException("add_one refuses 5000") : v + 1);
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("host_loop"), [addOne], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 4 });
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int calls = 0;
        using var stop = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            byte[] input = U64(1000);
            while (!stop.IsSet)
            {
                try
                {
                    Assert.Equal(1000, ReadU64(pool.Call("loop", input)));
                    Interlocked.Increment(ref calls);
                }
                catch (Exception e) { errors.Enqueue(e); }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        Thread.Sleep(50);
        for (int i = 0; i < 5; i++)
        {
            var e = Assert.Throws<ExtismException>(() => pool.Call("loop", U64(1_000_000)));
            Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
            Assert.IsType<InvalidDataException>(e.InnerException);
        }
        Thread.Sleep(50);
        stop.Set();
        workers.ForEach(t => t.Join());
        Assert.Empty(errors);
        Assert.True(calls > 0);
        // A host function's failure stops only its own call: nothing was interrupted.
        Assert.Equal(0, pool.RepeatedCalls);
        output.WriteLine($"{calls} sibling calls");
    }

    private static void AssertRepeats(PluginPool pool, PluginPoolIsolation isolation)
    {
        if (isolation == PluginPoolIsolation.SharedEngine)
        {
            Assert.True(pool.RepeatedCalls >= 1, "the interruption should have reached a running sibling");
        }
        else
        {
            Assert.Equal(0, pool.RepeatedCalls);
        }
        Assert.True(pool.PeakCount <= 4, $"peak {pool.PeakCount}");
    }
}

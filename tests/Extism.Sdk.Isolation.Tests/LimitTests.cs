using System.Diagnostics;
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

    [Fact]
    public void ACallPastMaxWorkerCpuTimeIsEndedByTheOs()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("RLIMIT_CPU is set by the worker on Linux only (Windows uses a job object, not run here)");
        using var restarts = new RestartRecorder();
        // No manifest timeout and no fuel: the OS stops the spin (the deadline, much later, only keeps a failure from hanging).
        using IsolatedPluginPool pool = TestPlugins.Pool("outcomes", configure: o =>
        {
            o.MaxWorkerCpuTime = TimeSpan.FromSeconds(1);
            o.CallDeadline = TimeSpan.FromSeconds(15);
        });
        for (int i = 0; i < 3; i++) Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(1000)))); // the limit is per call
        var clock = Stopwatch.StartNew();
        var death = Assert.Throws<ExtismWorkerException>(() => pool.Call("spin", ReadOnlySpan<byte>.Empty));
        Assert.Equal(WorkerExitReason.CpuLimit, death.Reason);
        Assert.Equal(128 + 24, death.WorkerExitCode); // SIGXCPU
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10)); // 1 s of CPU, up to 2 with the rounding to whole seconds
        Assert.Equal(1, restarts.Count(pool.Name, "cpu_limit"));
        TestContext.Current.TestOutputHelper?.WriteLine($"spin ended by SIGXCPU after {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(1000))));
    }

    [Fact]
    public void TheCpuLimitIsPerCallNotPerWorker()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("RLIMIT_CPU is set by the worker on Linux only");
        using IsolatedPluginPool pool = TestPlugins.Pool("outcomes", configure: o => o.MaxWorkerCpuTime = TimeSpan.FromSeconds(1));
        pool.Call("busy", TestPlugins.U64(1000));
        int pid = pool.WorkerIds().Single();
        // Calls of about a quarter second of CPU each (0.28 s measured here), until the worker has
        // used well past 1 s and its rounding: each call within the limit, together far beyond it.
        using var worker = Process.GetProcessById(pid);
        int calls = 0;
        for (; calls < 40 && worker.TotalProcessorTime < TimeSpan.FromSeconds(3); calls++)
        {
            Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(300_000_000))));
            worker.Refresh();
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{calls} busy calls, worker CPU {worker.TotalProcessorTime.TotalSeconds:0.00} s");
        Assert.True(worker.TotalProcessorTime >= TimeSpan.FromSeconds(3), "40 calls did not use 3 s of CPU: the test means nothing on this machine");
        Assert.Equal(pid, pool.WorkerIds().Single());
    }

    [Fact]
    public void ANonPositiveCpuTimeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TestPlugins.Pool("echo", configure: o => o.MaxWorkerCpuTime = TimeSpan.Zero));
        Assert.Contains("MaxWorkerCpuTime", e.Message);
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>Workers that crash, are killed, hang or grow: the call fails with the reason, the pool heals.</summary>
public class FaultTests
{
    [Theory]
    [InlineData("error_forge")]  // libextism's error_set reads a forged 16 MiB block: SIGSEGV in libextism
    [InlineData("config_forge")] // config_get with a forged key block
    [InlineData("var_forge")]    // var_set with a forged key block
    public void ALibextismCrashCostsOneWorkerAndTheNextCallWorks(string attack)
    {
        using var restarts = new RestartRecorder();
        using IsolatedPluginPool pool = TestPlugins.Pool("hostile", functions: TestPlugins.HostileFunctions());
        Assert.Equal("hello", Encoding.ASCII.GetString(pool.Call("hello", TestPlugins.HostileInput())));
        int pid = pool.WorkerIds().Single();

        var death = Assert.Throws<ExtismWorkerException>(() => pool.Call(attack, TestPlugins.HostileInput()));
        Assert.Equal(ExtismErrorKind.WorkerDied, death.Kind);
        Assert.Equal(WorkerExitReason.Crashed, death.Reason);
        Assert.NotNull(death.WorkerExitCode);
        Assert.NotEqual(0, death.WorkerExitCode);
        Assert.Contains(attack, death.Message);
        Assert.False(TestPlugins.IsRunning(pid), "the crashed worker was reaped");
        Assert.Equal(0, pool.Count);

        Assert.Equal("hello", Encoding.ASCII.GetString(pool.Call("hello", TestPlugins.HostileInput())));
        Assert.NotEqual(pid, pool.WorkerIds().Single());
        Assert.Equal(1, restarts.Count(pool.Name, "crashed"));
    }

    [Fact]
    public async Task AWorkerKilledFromOutsideMidCallIsReportedAndReplaced()
    {
        using var restarts = new RestartRecorder();
        await using IsolatedPluginPool pool = TestPlugins.Pool("outcomes");
        Task<byte[]> spinning = pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty); // no timeout: runs until killed
        int pid = TestPlugins.WaitForWorker(pool);
        await Task.Delay(300); // into the call
        using (Process worker = Process.GetProcessById(pid)) worker.Kill(); // SIGKILL, not sent by the pool

        var death = await Assert.ThrowsAsync<ExtismWorkerException>(() => spinning);
        Assert.Equal(WorkerExitReason.Killed, death.Reason);
        if (!OperatingSystem.IsWindows()) Assert.Equal(128 + 9, death.WorkerExitCode);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0xFD, 0x41 }, await pool.CallAsync("non_utf8", ReadOnlyMemory<byte>.Empty));
        Assert.Equal(1, restarts.Count(pool.Name, "killed"));
    }

    [Fact]
    public void AnIdleWorkerKilledFromOutsideIsReplacedWithoutFailingACall()
    {
        using var restarts = new RestartRecorder();
        using IsolatedPluginPool pool = TestPlugins.Pool("echo");
        Assert.Equal("a", pool.Call("echo", "a"));
        int pid = pool.WorkerIds().Single();
        using (Process worker = Process.GetProcessById(pid))
        {
            worker.Kill();
            worker.WaitForExit();
        }
        Assert.Equal("b", pool.Call("echo", "b"));
        Assert.NotEqual(pid, pool.WorkerIds().Single());
        Assert.Equal(1, restarts.Count(pool.Name, "killed"));
    }

    [Fact]
    public void ACallPastItsDeadlineKillsTheWorker()
    {
        using var restarts = new RestartRecorder();
        using IsolatedPluginPool pool = TestPlugins.Pool("outcomes", configure: o => o.CallDeadline = TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        var death = Assert.Throws<ExtismWorkerException>(() => pool.Call("spin", ""));
        Assert.Equal(WorkerExitReason.Hung, death.Reason);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
        Assert.Equal("done", Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(1000))));
        Assert.Equal(1, restarts.Count(pool.Name, "hung"));
    }

    [Fact]
    public void AWorkerOverItsMemoryLimitIsKilled()
    {
        using var restarts = new RestartRecorder();
        const long limit = 192L << 20;
        // hostile's "grow" allocates p0 bytes and has h_read read them: the worker copies the whole
        // block to send it, then h_read holds on, so the worker sits above the limit.
        using IsolatedPluginPool pool = TestPlugins.Pool("hostile", functions: TestPlugins.HostileFunctions(TimeSpan.FromSeconds(5)),
            configure: o => o.MaxWorkerMemoryBytes = limit);
        var death = Assert.Throws<ExtismWorkerException>(() => pool.Call("grow", TestPlugins.HostileInput(256UL << 20)));
        Assert.Equal(WorkerExitReason.MemoryLimit, death.Reason);
        Assert.Equal("hello", Encoding.ASCII.GetString(pool.Call("hello", TestPlugins.HostileInput())));
        Assert.Equal(1, restarts.Count(pool.Name, "memory_limit"));
    }

    [Fact]
    public async Task ACancelledCallStopsAndTheWorkerStays()
    {
        await using IsolatedPluginPool pool = TestPlugins.Pool("outcomes");
        Assert.Equal("done", Encoding.ASCII.GetString(await pool.CallAsync("busy", TestPlugins.U64(10))));
        int pid = pool.WorkerIds().Single();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty, cancel.Token));
        Assert.Throws<OperationCanceledException>(() => pool.Call("spin", "", new CancellationTokenSource(TimeSpan.FromMilliseconds(200)).Token));
        Assert.Equal(pid, pool.WorkerIds().Single());
        Assert.Equal("done", Encoding.ASCII.GetString(await pool.CallAsync("busy", TestPlugins.U64(10))));
    }

    [Fact]
    public async Task DisposeLeavesNoWorkerProcessBehind()
    {
        IsolatedPluginPool pool = TestPlugins.Pool("outcomes", maxWorkers: 2);
        using var both = new Barrier(2);
        Parallel.For(0, 2, _ =>
        {
            both.SignalAndWait();
            Encoding.ASCII.GetString(pool.Call("busy", TestPlugins.U64(1000)));
        });
        // One idle worker, and one busy in a call that never ends.
        Task<string> busy = pool.CallAsync("spin", "");
        await Task.Delay(200);
        int[] pids = pool.WorkerIds();
        Assert.NotEmpty(pids);
        pool.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => busy);
        foreach (int pid in pids) Assert.False(TestPlugins.IsRunning(pid), $"worker {pid} outlived the pool");
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void AWorkerThatCannotStartIsReported()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a shell script stands in for the broken worker");
        using var restarts = new RestartRecorder();
        // A file that is not a worker: it "starts" and exits at once.
        string fake = Path.Combine(Path.GetTempPath(), $"not-a-worker-{Guid.NewGuid():N}.sh");
        File.WriteAllText(fake, "#!/bin/sh\necho broken worker >&2\nexit 7\n");
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
            using IsolatedPluginPool pool = TestPlugins.Pool("echo", configure: o => o.WorkerPath = fake);
            var death = Assert.Throws<ExtismWorkerException>(() => pool.Call("echo", "x"));
            Assert.Equal(WorkerExitReason.StartFailed, death.Reason);
            Assert.Contains("broken worker", death.Message);
            Assert.Equal(0, pool.Count);
            Assert.Equal(1, restarts.Count(pool.Name, "start_failed"));
        }
        finally
        {
            File.Delete(fake);
        }
    }
}

/// <summary>Counts extism.worker.restarts by pool and reason.</summary>
internal sealed class RestartRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Pool, string Reason)> _seen = new();

    internal RestartRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk" && instrument.Name == "extism.worker.restarts") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? pool = null, reason = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "extism.pool") pool = tag.Value as string;
                if (tag.Key == "extism.reason") reason = tag.Value as string;
            }
            lock (_seen) for (long i = 0; i < value; i++) _seen.Add((pool ?? "", reason ?? ""));
        });
        _listener.Start();
    }

    internal int Count(string pool, string reason)
    {
        lock (_seen) return _seen.Count(s => s.Pool == pool && s.Reason == reason);
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>One tenant crashing its worker again and again costs no other tenant a call.</summary>
public class TenantIsolationTests
{
    [Fact]
    public async Task ACrashingTenantCostsOtherTenantsNothing()
    {
        using var restarts = new RestartRecorder();
        await using IsolatedPluginPool crasher = TestPlugins.Pool("hostile", functions: TestPlugins.HostileFunctions());
        await using IsolatedPluginPool healthy = TestPlugins.Pool("count_vowels", maxWorkers: 2);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        int crashes = 0, answered = 0;
        Task crashing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // The three attacks that crash libextism itself, in turn.
                string attack = (crashes % 3) switch { 0 => "error_forge", 1 => "config_forge", _ => "var_forge" };
                var death = await Assert.ThrowsAsync<ExtismWorkerException>(() => crasher.CallAsync(attack, TestPlugins.HostileInput()));
                Assert.Equal(WorkerExitReason.Crashed, death.Reason);
                crashes++;
                await Task.Delay(250);
            }
        });
        Task[] callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.Contains("\"count\":3", await healthy.CallAsync("count_vowels", "Hello, World!"));
                Interlocked.Increment(ref answered);
            }
        })).ToArray();
        await Task.WhenAll([crashing, .. callers]);
        Assert.True(crashes >= 3, $"only {crashes} crashes");
        Assert.True(answered > 50, $"only {answered} answers");
        Assert.Equal(crashes, restarts.Count(crasher.Name, "crashed"));
        Assert.Equal(0, restarts.Count(healthy.Name, "crashed"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{crashes} crashes, {answered} calls of the other tenant answered, none failed");
    }
}

/// <summary>A worker never outlives its host, even when the host is killed outright.</summary>
public class OrphanTests
{
    [Fact]
    public void AWorkerDiesWithItsKilledParent()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "PR_SET_PDEATHSIG is Linux-only; elsewhere the worker leaves when its pipes close.");
        string worker = Path.Combine(AppContext.BaseDirectory, "Extism.Sdk.Worker.dll");
        // bash stands in for a host: it starts the worker (which inherits bash's stdin, held open
        // by this test, so only the parent's death can end it) and is then killed with SIGKILL.
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"dotnet '{worker}' --parent $$ <&0 & echo $!; wait");
        using Process parent = Process.Start(start)!;
        try
        {
            int pid = int.Parse(parent.StandardOutput.ReadLine()!);
            Thread.Sleep(1500); // past the worker's start-up, so that it has set PR_SET_PDEATHSIG
            Assert.True(TestPlugins.IsRunning(pid), "the worker waits for its Create frame");
            parent.Kill();
            parent.WaitForExit();
            var clock = Stopwatch.StartNew();
            while (TestPlugins.IsRunning(pid) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
            Assert.False(TestPlugins.IsRunning(pid), "the worker outlived its killed parent");
        }
        finally
        {
            parent.StandardInput.Close(); // a surviving worker reads the end of its stdin and leaves
        }
    }
}

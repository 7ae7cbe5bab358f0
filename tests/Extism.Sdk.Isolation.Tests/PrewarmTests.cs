using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>IsolatedPluginPool.PrewarmAsync: workers started ahead of calls, and what a failed start says.</summary>
public class PrewarmTests
{
    [Fact]
    public async Task PrewarmStartsDistinctWorkersThatCallsThenUse()
    {
        await using IsolatedPluginPool pool = TestPlugins.Pool("echo", maxWorkers: 3);
        await pool.PrewarmAsync(0);
        Assert.Equal(0, pool.Count);

        await pool.PrewarmAsync(2);
        int[] started = pool.WorkerIds();
        Assert.Equal(2, started.Distinct().Count());
        Assert.All(started, pid => Assert.True(TestPlugins.IsRunning(pid)));

        Assert.Equal("a", await pool.CallAsync("echo", "a"));
        Assert.Equal(started.Order(), pool.WorkerIds().Order()); // the call took a prewarmed worker

        await pool.PrewarmAsync(2); // already up: nothing new
        Assert.Equal(started.Order(), pool.WorkerIds().Order());
        await pool.PrewarmAsync(10); // counts as MaxWorkers
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public async Task PrewarmReplacesAnIdleWorkerKilledFromOutside()
    {
        using var restarts = new RestartRecorder();
        await using IsolatedPluginPool pool = TestPlugins.Pool("echo");
        await pool.PrewarmAsync(1);
        int pid = pool.WorkerIds().Single();
        using (Process worker = Process.GetProcessById(pid))
        {
            worker.Kill();
            worker.WaitForExit();
        }
        await pool.PrewarmAsync(1);
        Assert.NotEqual(pid, pool.WorkerIds().Single());
        Assert.Equal(1, restarts.Count(pool.Name, "killed"));
    }

    [Fact]
    public async Task AModuleThatDoesNotLoadFailsThePrewarmWithItsCreationError()
    {
        string wasm = Path.Combine(Path.GetTempPath(), $"extism-prewarm-{Guid.NewGuid():N}.wasm");
        File.WriteAllText(wasm, "(module (import \"nowhere\" \"missing\" (func)))"); // an import nobody provides
        try
        {
            await using IsolatedPluginPool pool = TestPlugins.Pool("echo", manifest: new Manifest(new PathWasmSource(wasm)));
            ExtismException e = await Assert.ThrowsAnyAsync<ExtismException>(() => pool.PrewarmAsync(2));
            Assert.Equal(ExtismErrorKind.Creation, e.Kind);
            Assert.Equal(0, pool.Count);
        }
        finally
        {
            File.Delete(wasm);
        }
    }

    [Fact]
    public async Task AWorkerThatCannotStartFailsThePrewarmWithStartFailed()
    {
        if (!File.Exists("/bin/false")) Assert.Skip("needs /bin/false as a program that is not a worker");
        using var restarts = new RestartRecorder();
        await using IsolatedPluginPool pool = TestPlugins.Pool("echo", configure: o => o.WorkerPath = "/bin/false");
        var e = await Assert.ThrowsAsync<ExtismWorkerException>(() => pool.PrewarmAsync(1));
        Assert.Equal(WorkerExitReason.StartFailed, e.Reason);
        Assert.Equal(0, pool.Count);
        Assert.Equal(1, restarts.Count(pool.Name, "start_failed"));
    }

    [Fact]
    public async Task PrewarmWaitsForABusySlotAndCanBeCancelled()
    {
        await using IsolatedPluginPool pool = TestPlugins.Pool("outcomes");
        using var stop = new CancellationTokenSource();
        Task<byte[]> spinning = pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty, stop.Token); // holds the only slot
        TestPlugins.WaitForWorker(pool);
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.PrewarmAsync(1, soon.Token));
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => spinning);
        await pool.PrewarmAsync(1);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task ANegativeCountOrADisposedPoolIsRefused()
    {
        IsolatedPluginPool pool = TestPlugins.Pool("echo");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.PrewarmAsync(-1));
        pool.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.PrewarmAsync(1));
    }
}

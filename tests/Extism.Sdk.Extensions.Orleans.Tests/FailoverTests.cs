using System.Collections.Concurrent;
using Orleans.TestingHost;
using Xunit;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>
/// A silo killed, or stopped gracefully, in the middle of a load run: each case on a cluster of its
/// own, since the test takes a silo away.
/// </summary>
[Collection("cluster-failover")]
public sealed class FailoverTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ASiloLostMidLoadLosesNoRetriedCallAndItsTenantsAnswerFromTheOthers(bool kill)
    {
        var fixture = new ClusterFixture();
        await fixture.InitializeAsync();
        try
        {
            await RunAsync(fixture, kill);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static async Task RunAsync(ClusterFixture fixture, bool kill)
    {
        ExtismPluginCluster plugins = fixture.Plugins;
        string[] keys = Enumerable.Range(0, 24).Select(i => $"answer/failover-{(kill ? "kill" : "stop")}{i}").ToArray();
        await Task.WhenAll(keys.Select(key => plugins.CallAsync(key, "run", "x")));
        // Take away a silo that holds some of the tenants (not the primary, which holds the test cluster's membership table).
        var holders = await Task.WhenAll(keys.Select(async key => (key, (await plugins.GetGrain(key).GetStatusAsync()).Silo)));
        SiloHandle victim = fixture.Cluster.SecondarySilos.OrderByDescending(s => holders.Count(h => h.Silo == s.Name)).First();
        string[] moved = holders.Where(h => h.Silo == victim.Name).Select(h => h.key).ToArray();
        Assert.NotEmpty(moved); // with 24 keys on 3 silos, some land on the busier secondary

        // Load before, during and after the kill: half the calls, the kill, then on until the kill
        // has completed and another half has run.
        const int half = 300;
        int next = 0, afterKill = 0;
        long retriesBefore = plugins.Retries;
        long lost = 0, wrong = 0;
        var errors = new ConcurrentQueue<string>();
        Task killed = new TaskCompletionSource().Task; // replaced by the kill itself at the half-way call
        Task[] callers = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            while (true)
            {
                int n = Interlocked.Increment(ref next);
                if (n == half) Volatile.Write(ref killed, kill ? fixture.Cluster.KillSiloAsync(victim) : fixture.Cluster.StopSiloAsync(victim));
                if (n > half && Volatile.Read(ref killed).IsCompleted && Interlocked.Increment(ref afterKill) > half) break;
                string key = keys[random.Next(keys.Length)];
                try
                {
                    string output = await plugins.CallAsync(key, "run", "x");
                    if (!output.StartsWith(key + "#", StringComparison.Ordinal)) Interlocked.Increment(ref wrong);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref lost);
                    errors.Enqueue($"{key}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(callers);
        await killed;
        Assert.True(lost == 0, $"{lost} call(s) failed after retries: {string.Join(" | ", errors.Take(3))}");
        Assert.Equal(0, wrong);
        Console.WriteLine($"failover ({(kill ? "kill" : "graceful stop")}): {next} calls, {plugins.Retries - retriesBefore} retried attempts, {moved.Length} of {keys.Length} tenants moved off {victim.Name}");

        // The dead silo's tenants answer from the survivors, compiled again where they now live.
        // (Usually exactly once more; while Orleans rebuilds the dead silo's part of its grain
        // directory it may briefly run a second activation, so more is possible, and reported.)
        foreach (string key in moved)
        {
            PluginGrainStatus status = await plugins.GetGrain(key).GetStatusAsync();
            IReadOnlyList<string> compiledOn = TestPlugins.CompiledOn(key);
            Assert.NotEqual(victim.Name, status.Silo);
            Assert.Equal(victim.Name, compiledOn[0]);
            Assert.Contains(status.Silo, compiledOn.Skip(1)); // compiled again where it lives now
        }
        Console.WriteLine($"failover: compilations per moved tenant: {string.Join(" ", moved.Select(key => TestPlugins.CompiledOn(key).Count))}");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Scale;
using Orleans.TestingHost;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>
/// `sim`: concurrent callers pick keys from a Zipf distribution (fixed seeds) and call them through
/// <see cref="ExtismPluginCluster"/> (retries on); with <c>--kill</c>, a secondary silo is killed
/// when half the calls were made. Prints one table row; fails when a call failed after its retries
/// or returned a wrong output.
/// </summary>
internal static class ClusterSimulation
{
    internal sealed record Settings(string Label, int Modules, int Callers, int Calls, int MaxInstances, long MemoryBudget, bool Kill);

    internal static string Header =>
        "| run | modules (used) | calls | lost after retry | retried attempts | calls/s | hit p50 / p99 | cold start p50 / p99 (n) | compilations per used key: mean / max / keys >1 | evictions per silo | compilations per silo | peak est. memory per silo / budget | process peak RSS | kill → last retried call ended |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    internal static async Task<int> RunAsync(Settings s)
    {
        SimCluster.MaxInstances = s.MaxInstances;
        SimCluster.MemoryBudget = s.MemoryBudget;
        SimCluster.Compilations.Clear();
        await using SimCluster sim = await SimCluster.StartAsync();
        ExtismPluginCluster plugins = sim.Plugins;
        SiloHandle[] silos = sim.Cluster.Silos.ToArray();
        var registries = silos.ToDictionary(silo => silo.Name, SimCluster.RegistryOf);
        var peakMemory = new ConcurrentDictionary<string, long>();
        var evictionsAtEnd = new ConcurrentDictionary<string, long>();

        double[] cdf = ZipfCdf(s.Modules);
        var hits = new ConcurrentBag<double>();
        var colds = new ConcurrentBag<double>();
        long lost = 0, wrong = 0, lastRetryEnded = 0;
        long killedAt = 0;
        Task killed = Task.CompletedTask;
        SiloHandle victim = sim.Cluster.SecondarySilos[0];
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach ((string name, PluginRegistry registry) in registries)
                {
                    if (registry.IsDisposed) continue;
                    peakMemory.AddOrUpdate(name, registry.EstimatedMemory, (_, m) => Math.Max(m, registry.EstimatedMemory));
                    evictionsAtEnd[name] = registry.Evictions;
                }
                try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        using var retryTypes = new RetryTypes();
        var started = Stopwatch.StartNew();
        Action? killAtHalfTime = s.Kill ? () =>
        {
            Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
            killed = sim.Cluster.KillSiloAsync(victim);
        } : null;
        await CallersAsync(s.Callers, s.Calls, cdf, killAtHalfTime, async id =>
        {
            string key = "m" + id;
            int compiledBefore = SimCluster.CompilationsOf(key);
            long retriesBefore = plugins.Retries;
            long t = Stopwatch.GetTimestamp();
            try
            {
                byte[] output = await plugins.CallAsync(key, CountVowelsModule.Export, CountVowelsModule.Input);
                double ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (!CountVowelsModule.IsExpected(id, output)) Interlocked.Increment(ref wrong);
                else (SimCluster.CompilationsOf(key) > compiledBefore ? colds : hits).Add(ms);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref lost) <= 5) Console.Error.WriteLine($"call {key} lost: {e.GetType().Name}: {e.Message}");
            }
            // A retry by any caller during this call: remember when the call ended (recovery time).
            if (plugins.Retries != retriesBefore) InterlockedMax(ref lastRetryEnded, Stopwatch.GetTimestamp());
        });
        double seconds = started.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{s.Label}: retried after {retryTypes}");
        await killed;
        stop.Cancel();
        await sampler;
        var memory = ProcessMemory.Read();

        string[] used = SimCluster.Compilations.Keys.ToArray();
        int[] perKey = used.Select(SimCluster.CompilationsOf).ToArray();
        var compiledOn = SimCluster.Compilations.Values.SelectMany(q => q).GroupBy(silo => silo).ToDictionary(g => g.Key, g => g.Count());
        string recovery = !s.Kill ? "-" : lastRetryEnded > killedAt && killedAt > 0 ? $"{Stopwatch.GetElapsedTime(killedAt, lastRetryEnded).TotalSeconds:F1} s" : "no call needed a retry";
        double[] h = hits.ToArray(), c = colds.ToArray();
        Console.WriteLine(
            $"| {s.Label} | {s.Modules:N0} ({used.Length:N0}) | {s.Calls:N0} | {lost + wrong} | {plugins.Retries:N0} | {s.Calls / seconds:N0} " +
            $"| {P(h, 50)} / {P(h, 99)} | {P(c, 50)} / {P(c, 99)} ({c.Length:N0}) " +
            $"| {(perKey.Length == 0 ? 0 : perKey.Average()):F2} / {(perKey.Length == 0 ? 0 : perKey.Max())} / {perKey.Count(k => k > 1):N0} " +
            $"| {PerSilo(silos, name => evictionsAtEnd.GetValueOrDefault(name).ToString("N0"), victim, s.Kill)} " +
            $"| {PerSilo(silos, name => compiledOn.GetValueOrDefault(name).ToString("N0"), victim, s.Kill)} " +
            $"| {PerSilo(silos, name => ProcessMemory.MiB(peakMemory.GetValueOrDefault(name)), victim, s.Kill)} / {ProcessMemory.MiB(s.MemoryBudget)} " +
            $"| {ProcessMemory.MiB(memory.PeakRssBytes)} | {recovery} |");
        return lost + wrong == 0 ? 0 : 1;
    }

    private static string PerSilo(SiloHandle[] silos, Func<string, string> value, SiloHandle victim, bool kill)
        => string.Join(" · ", silos.Select(silo => value(silo.Name) + (kill && silo == victim ? " (killed)" : "")));

    /// <summary>
    /// The load both simulations run: <paramref name="callers"/> callers (seeded 1000 + caller)
    /// make <paramref name="calls"/> calls between them, each on a Zipf-sampled module id given to
    /// <paramref name="call"/>; <paramref name="atHalfTime"/> (a silo's kill), if any, runs once,
    /// before the call numbered <paramref name="calls"/> / 2.
    /// </summary>
    internal static async Task CallersAsync(int callers, int calls, double[] cdf, Action? atHalfTime, Func<int, Task> call)
    {
        long next = 0;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(1000 + c);
            long n;
            while ((n = Interlocked.Increment(ref next)) <= calls)
            {
                if (atHalfTime is not null && n == calls / 2) atHalfTime();
                await call(Sample(cdf, random.NextDouble()));
            }
        })));
    }

    internal static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    internal static string P(double[] values, double p)
    {
        if (values.Length == 0) return "-";
        Array.Sort(values);
        return $"{values[Math.Min(values.Length - 1, (int)(p / 100 * values.Length))]:F2} ms";
    }

    internal static double[] ZipfCdf(int n)
    {
        var cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) cdf[k] = sum += 1.0 / (k + 1);
        for (int k = 0; k < n; k++) cdf[k] /= sum;
        return cdf;
    }

    internal static int Sample(double[] cdf, double u)
    {
        int i = Array.BinarySearch(cdf, u);
        return Math.Min(i >= 0 ? i : ~i, cdf.Length - 1);
    }
}

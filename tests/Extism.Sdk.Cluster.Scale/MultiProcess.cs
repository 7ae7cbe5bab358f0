using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Extensions.Orleans.Tests;
using Extism.Sdk.Scale;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>
/// One silo per process, so each silo's RSS is its own: `silo` runs silo N on 127.0.0.1 (localhost
/// clustering, silo 0 the primary) and keeps two files in the run directory: every key it compiled
/// (one line each, flushed) and its memory (VmRSS, VmHWM, registry counters, rewritten every 250 ms).
/// `drive` is the client: the Zipf load through <see cref="ExtismPluginCluster"/>, optionally
/// killing a silo process (SIGKILL) at half time, then one table row read from those files.
/// </summary>
internal static class MultiProcess
{
    private const int SiloPort = 21111, GatewayPort = 32000;

    internal static async Task<int> SiloAsync(int index, string dir, int maxInstances, long memoryBudget)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        var compiled = new StreamWriter(Path.Combine(dir, $"compiled-{index}.txt")) { AutoFlush = true };
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(SiloPort + index, GatewayPort + index, new IPEndPoint(IPAddress.Loopback, SiloPort), "extism-scale", "extism-scale");
            silo.Configure<SiloOptions>(o => o.SiloName = $"silo-{index}");
            // Death detection as in one process; response timeouts stay Orleans' own (30 s), which
            // the `drive` runs with AttemptTimeout 0 measure.
            silo.Configure<ClusterMembershipOptions>(TestClusterTiming.FastDeathDetection);
            silo.AddScalePlugins(maxInstances, memoryBudget, _ => key =>
            {
                lock (compiled) compiled.WriteLine(key);
            });
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        PluginRegistry registry = host.Services.GetRequiredService<PluginRegistry>();
        string status = Path.Combine(dir, $"silo-{index}.status");
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        while (!stopping.IsCancellationRequested)
        {
            var memory = ProcessMemory.Read();
            File.WriteAllText(status + ".tmp", $"{memory.RssBytes} {memory.PeakRssBytes} {registry.Evictions} {registry.CompiledModules} {registry.LiveInstances}\n");
            File.Move(status + ".tmp", status, overwrite: true);
            try { await Task.Delay(250, stopping); } catch (OperationCanceledException) { }
        }
        await host.StopAsync();
        return 0;
    }

    internal static async Task<int> DriveAsync(ClusterSimulation.Settings s, string dir, int silos, int killPid, TimeSpan? attemptTimeout)
    {
        var builder = Host.CreateApplicationBuilder();
        // Orleans' warnings (connection refused while a silo starts or dies) go to stderr, not into the table.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace)
            .SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        IPEndPoint[] gateways = Enumerable.Range(0, silos).Select(i => new IPEndPoint(IPAddress.Loopback, GatewayPort + i)).ToArray();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(gateways)
            .Configure<ClusterOptions>(o => { o.ClusterId = "extism-scale"; o.ServiceId = "extism-scale"; })
            .AddExtismPluginClient(configure: o =>
            {
                ScaleSilo.Retries(o);
                o.AttemptTimeout = attemptTimeout;
            }));
        using IHost host = builder.Build();
        await host.StartAsync();
        var management = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        for (int i = 0; (await management.GetHosts(onlyActive: true)).Count < silos; i++)
        {
            if (i == 240) throw new TimeoutException($"fewer than {silos} silos joined within 60 s");
            await Task.Delay(250);
        }
        ExtismPluginCluster plugins = host.Services.GetRequiredService<ExtismPluginCluster>();

        double[] cdf = ClusterSimulation.ZipfCdf(s.Modules);
        var latencies = new ConcurrentBag<double>();
        long lost = 0, wrong = 0, lastRetryEnded = 0, killedAt = 0;
        using var retryTypes = new RetryTypes();
        var started = Stopwatch.StartNew();
        Action? killAtHalfTime = killPid > 0 ? () =>
        {
            Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
            Process.GetProcessById(killPid).Kill();
        } : null;
        await ClusterSimulation.CallersAsync(s.Callers, s.Calls, cdf, killAtHalfTime, async id =>
        {
            long retriesBefore = plugins.Retries, t = Stopwatch.GetTimestamp();
            try
            {
                byte[] output = await plugins.CallAsync("m" + id, CountVowelsModule.Export, CountVowelsModule.Input);
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (!CountVowelsModule.IsExpected(id, output)) Interlocked.Increment(ref wrong);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref lost) <= 5) Console.Error.WriteLine($"call m{id} lost: {e.GetType().Name}: {e.Message}");
            }
            if (plugins.Retries != retriesBefore) ClusterSimulation.InterlockedMax(ref lastRetryEnded, Stopwatch.GetTimestamp());
        });
        double seconds = started.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{s.Label}: retried after {retryTypes}");
        await Task.Delay(600); // one more status write by every live silo

        var perKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<(string Compiled, string Rss, string Evictions)>();
        for (int i = 0; i < silos; i++)
        {
            string[] keys = File.ReadAllLines(Path.Combine(dir, $"compiled-{i}.txt"));
            foreach (string key in keys) perKey[key] = perKey.GetValueOrDefault(key) + 1;
            string[] st = File.ReadAllText(Path.Combine(dir, $"silo-{i}.status")).Split(' ');
            rows.Add((keys.Length.ToString("N0"), ProcessMemory.MiB(long.Parse(st[1])), long.Parse(st[2]).ToString("N0")));
        }
        int killedIndex = killPid > 0 ? 1 : -1;
        string Each(Func<(string Compiled, string Rss, string Evictions), string> f) => string.Join(" · ", rows.Select((r, i) => f(r) + (i == killedIndex ? " (killed)" : "")));
        double[] l = latencies.ToArray();
        string recovery = killPid <= 0 ? "-" : lastRetryEnded > killedAt ? $"{Stopwatch.GetElapsedTime(killedAt, lastRetryEnded).TotalSeconds:F1} s" : "no call needed a retry";
        int[] counts = perKey.Values.ToArray();
        Console.WriteLine(
            $"| {s.Label} | {s.Modules:N0} ({perKey.Count:N0}) | {s.Calls:N0} | {lost + wrong} | {plugins.Retries:N0} | {s.Calls / seconds:N0} " +
            $"| {ClusterSimulation.P(l, 50)} / {ClusterSimulation.P(l, 99)} | {(counts.Length == 0 ? 0 : counts.Average()):F2} / {(counts.Length == 0 ? 0 : counts.Max())} / {counts.Count(c => c > 1):N0} " +
            $"| {Each(r => r.Evictions)} | {Each(r => r.Compiled)} | {Each(r => r.Rss)} / {ProcessMemory.MiB(s.MemoryBudget)} | {recovery} |");
        await host.StopAsync();
        return lost + wrong == 0 ? 0 : 1;
    }

    internal static string Header =>
        "| run | modules (used) | calls | lost after retry | retried attempts | calls/s | all calls p50 / p99 | compilations per used key: mean / max / keys >1 | evictions per silo | compilations per silo | peak RSS per silo / budget | kill → last retried call ended |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|";
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Extism.Sdk.Scale;

/// <summary>
/// `sim`: many distinct generated plug-ins behind one <see cref="PluginRegistry"/>, concurrent
/// callers picking keys from a Zipf distribution (a fixed seed, so a second run asks for the same
/// keys in about the same order), within the registry's budgets. Prints one table row.
/// </summary>
internal sealed class Simulation
{
    internal sealed record Settings(string Label, int Modules, int Callers, int Calls, double ZipfExponent,
        int MaxInstances, int MaxModules, long MemoryBudget, string CacheDirectory);

    internal static string Header =>
        "| run | modules | calls | failed | calls/s | hit p50 | hit p99 | first compile p50 / p99 | recompile after eviction p50 / p99 | hits / cold starts | compile only p50 / p99 | evictions | peak instances / modules | peak RSS / budget | peak virtual | peak threads |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    internal static int Run(Settings s)
    {
        var resolved = new ConcurrentDictionary<string, int>(); // resolutions per key in this process
        var options = new PluginRegistryOptions
        {
            MaxLiveInstances = s.MaxInstances,
            MaxCompiledModules = s.MaxModules,
            MemoryBudget = s.MemoryBudget,
            BudgetWaitTimeout = TimeSpan.FromSeconds(30),
            CompilationCache = new CompilationCacheOptions { Directory = s.CacheDirectory },
        };
        using var registry = new PluginRegistry((key, _) =>
        {
            resolved.AddOrUpdate(key, 1, (_, n) => n + 1);
            return ValueTask.FromResult(new PluginDefinition(CountVowelsModule.Wat(int.Parse(key.AsSpan(1)))));
        }, options);

        var compileSeconds = new ConcurrentBag<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk" && instrument.Name == "extism.registry.compile.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => compileSeconds.Add(value));
        listener.Start();

        double[] cdf = ZipfCdf(s.Modules, s.ZipfExponent);
        var hits = new ConcurrentBag<double>();
        var firstCompiles = new ConcurrentBag<double>();
        var recompiles = new ConcurrentBag<double>();
        long failed = 0, next = 0, peakInstances = 0, peakModules = 0;
        int peakThreads = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakInstances = Math.Max(peakInstances, registry.LiveInstances);
                peakModules = Math.Max(peakModules, registry.CompiledModules);
                peakThreads = Math.Max(peakThreads, ProcessMemory.Read().Threads);
                try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        var started = Stopwatch.StartNew();
        Task[] callers = Enumerable.Range(0, s.Callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(1000 + c);
            while (Interlocked.Increment(ref next) <= s.Calls)
            {
                int id = Sample(cdf, random.NextDouble());
                string key = "m" + id;
                bool compiled = registry.IsCompiled(key);
                bool seenBefore = resolved.ContainsKey(key);
                long t = Stopwatch.GetTimestamp();
                try
                {
                    byte[] output = await registry.CallAsync(key, CountVowelsModule.Export, CountVowelsModule.Input);
                    double ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (!CountVowelsModule.IsExpected(id, output)) Interlocked.Increment(ref failed);
                    else (compiled ? hits : seenBefore ? recompiles : firstCompiles).Add(ms);
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref failed) <= 5) Console.Error.WriteLine($"call {key} failed: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();
        Task.WaitAll(callers);
        double seconds = started.Elapsed.TotalSeconds;
        stop.Cancel();
        sampler.Wait();
        var memory = ProcessMemory.Read();

        double[] h = hits.ToArray(), f = firstCompiles.ToArray(), r = recompiles.ToArray();
        double[] c = compileSeconds.Select(x => x * 1000).ToArray(); // the registry's metric: the compilation alone, without queueing
        Console.WriteLine(
            $"| {s.Label} | {s.Modules:N0} ({resolved.Count:N0} used) | {s.Calls:N0} | {failed} | {s.Calls / seconds:N0} " +
            $"| {P(h, 50)} | {P(h, 99)} | {P(f, 50)} / {P(f, 99)} ({f.Length:N0}) | {P(r, 50)} / {P(r, 99)} ({r.Length:N0}) " +
            $"| {h.Length:N0} / {f.Length + r.Length:N0} | {P(c, 50)} / {P(c, 99)} | {registry.Evictions:N0} | {peakInstances:N0} / {peakModules:N0} (limits {s.MaxInstances:N0} / {s.MaxModules:N0}) " +
            $"| {ProcessMemory.MiB(memory.PeakRssBytes)} / {ProcessMemory.MiB(s.MemoryBudget)} | {ProcessMemory.TiB(memory.PeakVirtualBytes)} | {peakThreads:N0} |");
        Console.Error.WriteLine($"{s.Label}: {c.Length:N0} compilations; " +
            $"final: {registry.LiveInstances} instances, {registry.CompiledModules} modules, estimate {ProcessMemory.MiB(registry.EstimatedMemory)}, RSS {ProcessMemory.MiB(memory.RssBytes)}");
        return failed == 0 ? 0 : 1;
    }

    private static string P(double[] values, double p) => values.Length == 0 ? "-" : $"{Measure.Percentile(values, p):F2} ms";

    private static double[] ZipfCdf(int n, double exponent)
    {
        var cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) cdf[k] = sum += 1 / Math.Pow(k + 1, exponent);
        for (int k = 0; k < n; k++) cdf[k] /= sum;
        return cdf;
    }

    private static int Sample(double[] cdf, double u)
    {
        int i = Array.BinarySearch(cdf, u);
        return Math.Min(i >= 0 ? i : ~i, cdf.Length - 1);
    }
}

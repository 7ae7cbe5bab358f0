using System.Diagnostics;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// <c>--pool-default</c>: the measurement behind the hosting package's pool isolation default (P8).
/// count_vowels on 4 KiB from 1, 2 and all cores, with a pool of that many instances, for both
/// isolation modes, in alternating 1-second rounds (wall clock, calls/s; medians). Then
/// <c>--pool-memory shared|per-engine</c>, run in a fresh process each, fills a pool of 8 and
/// prints the resident memory each instance added.
/// </summary>
internal static class PoolDefault
{
    public static int Run(bool quick)
    {
        byte[] text = Inputs.TextBytes(4096);
        int[] threadCounts = new[] { 1, 2, Environment.ProcessorCount }.Distinct().ToArray();
        int rounds = quick ? 3 : 7;
        Console.WriteLine("# isolation\tthreads\tcalls_per_s\tx_of_1_thread");
        double shared1 = 0, perEngine1 = 0;
        foreach (int threads in threadCounts)
        {
            using var shared = Pool(PluginPoolIsolation.SharedEngine, threads);
            using var perEngine = Pool(PluginPoolIsolation.EnginePerInstance, threads);
            Rate(shared, threads, text, 0.3); // fill and warm
            Rate(perEngine, threads, text, 0.3);
            var s = new List<double>();
            var p = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                if (r % 2 == 0) { s.Add(Rate(shared, threads, text, 1)); p.Add(Rate(perEngine, threads, text, 1)); }
                else { p.Add(Rate(perEngine, threads, text, 1)); s.Add(Rate(shared, threads, text, 1)); }
            }
            if (threads == 1) (shared1, perEngine1) = (Median(s), Median(p));
            Console.WriteLine($"SharedEngine\t{threads}\t{Median(s):0}\t{Median(s) / shared1:0.00}");
            Console.WriteLine($"EnginePerInstance\t{threads}\t{Median(p):0}\t{Median(p) / perEngine1:0.00}");
        }
        return 0;
    }

    public static int Memory(string mode)
    {
        var isolation = mode == "shared" ? PluginPoolIsolation.SharedEngine : PluginPoolIsolation.EnginePerInstance;
        const int size = 8;
        using (var warm = Pool(isolation, 1)) warm.Call("count_vowels", "warm"); // library, JIT and compilation cache warm
        long before = Rss();
        using var pool = Pool(isolation, size);
        var leases = Enumerable.Range(0, size).Select(_ => pool.Rent()).ToList();
        foreach (var lease in leases) lease.Plugin.Call("count_vowels", "a");
        long after = Rss();
        foreach (var lease in leases) lease.Dispose();
        Console.WriteLine($"{isolation}\tKiB_per_instance\t{(after - before) / size / 1024.0:0}");
        return 0;
    }

    private static PluginPool Pool(PluginPoolIsolation isolation, int size) =>
        new(Inputs.ManifestFor("count_vowels.wasm"), [], null, new PluginPoolOptions { MaxSize = size, Isolation = isolation });

    private static double Rate(PluginPool pool, int threads, byte[] input, double seconds)
    {
        long calls = 0;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            long mine = 0;
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                pool.Call("count_vowels", input, 0, static (span, _) => span.Length, default);
                mine++;
            }
            Interlocked.Add(ref calls, mine);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        return calls / watch.Elapsed.TotalSeconds;
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}

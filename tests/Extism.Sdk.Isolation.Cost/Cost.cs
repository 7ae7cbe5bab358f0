using System.Diagnostics;
using System.Globalization;

namespace Extism.Sdk.Isolation.Cost;

/// <summary>
/// The cost of isolation, paired in one process: each round times a batch of in-process calls and
/// a batch of the same calls through an <see cref="IsolatedPluginPool"/> of one worker, in
/// alternating order, so that the machine's noise hits both sides alike. The ratio reported is
/// the median of the rounds' ratios.
/// </summary>
internal static class Cost
{
    private sealed record Case(string Name, int Calls, Action InProcess, Action Isolated, string Note = "");

    internal static int Run(int rounds)
    {
        string text4K = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 92))[..4096];
        byte[] mib = new byte[1 << 20];
        new Random(7).NextBytes(mib);
        byte[] loop1000 = Plugins.U64(1000), loop0 = Plugins.U64(0);

        using var echo = new Plugin(Plugins.Manifest("echo"), [], withWasi: false);
        using var vowels = new Plugin(Plugins.Manifest("count_vowels"), [], withWasi: false);
        using var addOne = Plugins.AddOne();
        using var loop = new Plugin(Plugins.Manifest("host_loop"), [addOne], withWasi: false);
        using var echoPool = Pool("echo", []);
        using var vowelsPool = Pool("count_vowels", []);
        using var loopPool = Pool("host_loop", [Plugins.IsolatedAddOne()]);

        Case[] cases =
        [
            new("no-op call (sync)", 2000, () => echo.Call("noop", ReadOnlySpan<byte>.Empty), () => echoPool.Call("noop", ReadOnlySpan<byte>.Empty)),
            new("no-op call (async)", 2000, () => echo.CallAsync("noop", ReadOnlyMemory<byte>.Empty).GetAwaiter().GetResult(),
                () => echoPool.CallAsync("noop", ReadOnlyMemory<byte>.Empty).GetAwaiter().GetResult()),
            new("count_vowels 4 KiB", 1000, () => vowels.Call("count_vowels", text4K), () => vowelsPool.Call("count_vowels", text4K)),
            new("1 plug-in call, 0 host calls", 1000, () => loop.Call("loop", loop0), () => loopPool.Call("loop", loop0)),
            new("1 plug-in call, 1000 host calls", 10, () => loop.Call("loop", loop1000), () => loopPool.Call("loop", loop1000)),
            new("1 MiB in, 1 MiB out", 30, () => echo.Call("echo", mib), () => echoPool.Call("echo", mib)),
        ];

        Console.WriteLine($"isolation cost, paired: {rounds} rounds, {Environment.ProcessorCount} cores, {RuntimeInfo()}");
        Console.WriteLine();
        Console.WriteLine("| case | calls/round | in-process per call | isolated per call | isolated / in-process |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var medians = new Dictionary<string, (double In, double Iso)>();
        foreach (Case c in cases)
        {
            for (int i = 0; i < Math.Min(c.Calls, 50); i++) { c.InProcess(); c.Isolated(); } // warm-up: JIT, worker start, caches
            var ins = new List<double>(); var isos = new List<double>(); var ratios = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                double a, b;
                if (r % 2 == 0) { a = PerCall(c.InProcess, c.Calls); b = PerCall(c.Isolated, c.Calls); }
                else { b = PerCall(c.Isolated, c.Calls); a = PerCall(c.InProcess, c.Calls); }
                ins.Add(a); isos.Add(b); ratios.Add(b / a);
            }
            medians[c.Name] = (Median(ins), Median(isos));
            Console.WriteLine($"| {c.Name} | {c.Calls} | {Us(Median(ins))} | {Us(Median(isos))} | {Median(ratios):F2}x |");
        }
        (double in0, double iso0) = medians["1 plug-in call, 0 host calls"];
        (double in1000, double iso1000) = medians["1 plug-in call, 1000 host calls"];
        Console.WriteLine($"| host-function call round trip (from the two rows above) | | {Us((in1000 - in0) / 1000)} | {Us((iso1000 - iso0) / 1000)} | {(iso1000 - iso0) / (in1000 - in0):F2}x |");

        echoPool.Dispose(); vowelsPool.Dispose(); loopPool.Dispose();
        WorkerStartAndMemory();
        return 0;
    }

    private static void WorkerStartAndMemory()
    {
        // Start: a new pool's first call, which starts the worker and instantiates the plug-in,
        // less a steady call on the same pool.
        var starts = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var pool = Pool("echo", []);
            pool.Call("noop", ReadOnlySpan<byte>.Empty);
            double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double steady = PerCall(() => pool.Call("noop", ReadOnlySpan<byte>.Empty), 200) / 1000;
            starts.Add(first - steady);
        }
        Console.WriteLine();
        Console.WriteLine($"worker start (first call of a new pool less a steady call; median of 7): {Median(starts):F1} ms (min {starts.Min():F1}, max {starts.Max():F1})");

        if (!OperatingSystem.IsLinux()) return;
        using var vowels = Pool("count_vowels", [], workers: 2);
        string text = new('a', 4096);
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ => vowels.Call("count_vowels", text));
        var rss = Plugins.ChildrenRss();
        Console.WriteLine($"memory per worker (VmRSS of {rss.Count} warm count_vowels workers): " +
            string.Join(", ", rss.Select(r => $"{r.RssBytes / (1024.0 * 1024):F1} MiB")));
    }

    private static IsolatedPluginPool Pool(string plugin, IsolatedHostFunction[] functions, int workers = 1) =>
        new(Plugins.Manifest(plugin), functions, new IsolatedPluginPoolOptions { Name = "cost-" + plugin, MaxWorkers = workers });

    /// <summary>Microseconds per call over <paramref name="calls"/> calls.</summary>
    private static double PerCall(Action call, int calls)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) call();
        return Stopwatch.GetElapsedTime(t0).TotalMicroseconds / calls;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Us(double microseconds) => microseconds.ToString(microseconds < 100 ? "F2" : "F0", CultureInfo.InvariantCulture) + " µs";

    private static string RuntimeInfo() => $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, RUST_BACKTRACE={(Environment.GetEnvironmentVariable("RUST_BACKTRACE") ?? "unset")}";
}

using System.Runtime.InteropServices;
using System.Text;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// <c>--paired &lt;libbenchc.so&gt;</c>: the C baseline and the SDK in one process, in alternating
/// batches. On a shared machine, load from other processes comes and goes over seconds; two
/// separate runs then compare different conditions, while each pair of adjacent batches here sees
/// the same ones. Both sides are timed in this thread's CPU time, which also leaves out the
/// moments the process is not running at all. The figure that matters is the median over rounds
/// of each round's ratio.
/// The C side is native/bench.c built with -DBENCH_SHARED (build/bench.sh does that).
/// When the official Extism .NET SDK is built in (<see cref="OfficialSide"/>), it is a third side
/// of every case it can run: each round then runs C, ours, official, or the reverse, so ours is
/// always next to both.
/// Prints "case&lt;TAB&gt;c_ns&lt;TAB&gt;sdk_ns&lt;TAB&gt;sdk/c&lt;TAB&gt;official_ns&lt;TAB&gt;official/sdk" lines
/// (medians; the ratios are medians of the rounds' ratios; "-" where there is no official side).
/// </summary>
internal static unsafe partial class Paired
{
    private static delegate* unmanaged<byte*, long, double> s_run;
    private static delegate* unmanaged<double> s_now;
    private const int WarmUpMs = 300;

    /// <summary>One side-by-side item: a C case and the SDK operation measured against it.</summary>
    private sealed record Item(string Name, string CCase, Action Sdk)
    {
        public long Iterations;
        public Action? Official;
        public readonly List<double> C = [];
        public readonly List<double> Net = [];
        public readonly List<double> Off = [];
    }

    private static Func<string, Action?> s_official = _ => null;

    public static int Run(string library, bool quick)
    {
        IntPtr lib = NativeLibrary.Load(library);
        var setup = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(lib, "bench_setup");
        s_run = (delegate* unmanaged<byte*, long, double>)NativeLibrary.GetExport(lib, "bench_run");
        s_now = (delegate* unmanaged<double>)NativeLibrary.GetExport(lib, "bench_now_ns");
        // Both sides time their batches with the calling thread's CPU time, from the same clock.
        ((delegate* unmanaged<int, void>)NativeLibrary.GetExport(lib, "bench_set_clock"))(1);
        fixed (byte* dir = Encoding.UTF8.GetBytes(Path.GetDirectoryName(Inputs.PluginPath("echo.wasm")) + "\0")) setup(dir);

        int rounds = quick ? 11 : 41;
        double batchNs = quick ? 10e6 : 20e6;
        var calls = new CallBenchmarks();
        var hosts = new HostFunctionBenchmarks();
        var creation = new CreationBenchmarks();
        calls.Setup();
        hosts.Setup();
        creation.Setup();
        using IDisposable? official = CreateOfficial();
        try
        {
            using var raw = new RawNoop(Inputs.PluginPath("echo.wasm"));
            using var rawHost = new RawHostLoop(Inputs.PluginPath("host_loop.wasm"));
            Report(Measure(rounds, batchNs,
                new Item("P1_Noop", "P1_Noop", () => calls.P1_Noop()),
                new Item("P1_Noop_RawPInvoke", "P1_Noop", () => raw.Call())), sdkOwnCost: true);
            Report(Measure(rounds, batchNs, new Item("P2_CountVowels4K", "P2_CountVowels4K", () => calls.P2_CountVowels4K())));
            var loop = Measure(rounds, batchNs,
                new Item("P3_HostLoop_N0", "P3_HostLoop_N0", () => hosts.P3_HostLoop_N0()),
                new Item("P3_HostLoop_N1000", "P3_HostLoop_N1000", () => hosts.P3_HostLoop_N1000()),
                new Item("P3_HostLoop_N1000_Raw", "P3_HostLoop_N1000", () => hosts.P3_HostLoop_N1000_Raw()),
                new Item("P3_HostLoop_N0_Floor", "P3_HostLoop_N0", () => rawHost.N0()),
                new Item("P3_HostLoop_N1000_Floor", "P3_HostLoop_N1000", () => rawHost.N1000()));
            Report(loop);
            ReportPerHostCall("P3_PerHostCall", loop, 1);
            ReportPerHostCall("P3_PerHostCall_Raw", loop, 2);
            ReportFloor(loop);
            MeasureGeneratedHostFunctions(rounds, batchNs);
            Report(Measure(rounds, batchNs,
                new Item("P4_Echo64K", "P4_Echo64K", () => calls.P4_Echo64K()),
                new Item("P5_Echo64K_BufferWriter", "P4_Echo64K", () => calls.P5_Echo64K_BufferWriter()),
                new Item("P5_Echo64K_Reader", "P4_Echo64K", () => calls.P5_Echo64K_Reader())));
            Report(Measure(rounds, batchNs,
                new Item("P4_Echo1M", "P4_Echo1M", () => calls.P4_Echo1M()),
                new Item("P5_Echo1M_BufferWriter", "P4_Echo1M", () => calls.P5_Echo1M_BufferWriter()),
                new Item("P5_Echo1M_Reader", "P4_Echo1M", () => calls.P5_Echo1M_Reader())));
            Report(Measure(rounds, batchNs, new Item("P6_Instantiate_FirstCall", "P6_Instantiate_FirstCall", () => creation.P6_Instantiate_FirstCall())));
            Report(Measure(rounds, batchNs, new Item("P6_New_FirstCall", "P6_New_FirstCall", () => creation.P6_New_FirstCall())));
            Report(Measure(rounds, batchNs,
                new Item("P7_String4K", "P7_Echo4K", () => calls.P7_String4K()),
                new Item("P7_Json4K", "P2_CountVowels4K", () => calls.P7_Json4K())));
        }
        finally
        {
            calls.Cleanup();
            hosts.Cleanup();
            creation.Cleanup();
        }
        return 0;
    }

    /// <summary>
    /// Runs one case's SDK side (or, as <c>official:&lt;case&gt;</c>, the official SDK's) for the
    /// given time and prints calls per second; a target for perf or dotnet-trace.
    /// </summary>
    public static int Loop(string name, double seconds)
    {
        bool official = name.StartsWith("official:", StringComparison.Ordinal);
        string caseName = official ? name["official:".Length..] : name;
        var calls = new CallBenchmarks();
        var hosts = new HostFunctionBenchmarks();
        var creation = new CreationBenchmarks();
        calls.Setup();
        hosts.Setup();
        creation.Setup();
        using var raw = new RawNoop(Inputs.PluginPath("echo.wasm"));
        using IDisposable? side = official ? CreateOfficial() : null;
        Action? action = official ? s_official(caseName) : caseName switch
        {
            "P1_Noop" => () => calls.P1_Noop(),
            "P1_Noop_RawPInvoke" => () => raw.Call(),
            "P2_CountVowels4K" => () => calls.P2_CountVowels4K(),
            "P3_HostLoop_N0" => () => hosts.P3_HostLoop_N0(),
            "P3_HostLoop_N1000" => () => hosts.P3_HostLoop_N1000(),
            "P3_HostLoop_N1000_Raw" => () => hosts.P3_HostLoop_N1000_Raw(),
            "P4_Echo1M" => () => calls.P4_Echo1M(),
            "P6_Instantiate_FirstCall" => () => creation.P6_Instantiate_FirstCall(),
            "P6_New_FirstCall" => () => creation.P6_New_FirstCall(),
            "P7_String4K" => () => calls.P7_String4K(),
            _ => null,
        };
        if (action is null) throw new ArgumentException($"no loop case '{name}'");
        long n = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 1000; i++) action();
            n += 1000;
        }
        Console.WriteLine($"{name}\t{n / clock.Elapsed.TotalSeconds:0} calls/s");
        return 0;
    }

    /// <summary>
    /// Warms both sides, sizes a batch from the C side's rate, then runs the rounds: in each, every
    /// item's C batch and SDK batch back to back, the order flipped every round so that neither
    /// side always runs on the warmer cache or the quieter moment.
    /// </summary>
    private static Item[] Measure(int rounds, double batchNs, params Item[] items)
    {
        // EXTISM_BENCH_ONLY=P1,P3 measures only the groups whose first case starts with one of
        // those prefixes (the others print nothing): a quicker before/after for one change.
        string? only = Environment.GetEnvironmentVariable("EXTISM_BENCH_ONLY");
        if (!string.IsNullOrEmpty(only) && !only.Split(',').Any(p => items[0].Name.StartsWith(p, StringComparison.Ordinal)))
            return [];
        foreach (Item item in items)
        {
            item.Official = s_official(item.Name);
            long probe = 1;
            double ns;
            while ((ns = RunC(item.CCase, probe)) < batchNs / 10) probe *= 2;
            item.Iterations = Math.Max(1, (long)(batchNs * probe / ns));
            // Time-based, so that tiered JIT has promoted the SDK's call path (it waits ~100 ms
            // after the last new Tier-0 method) before anything is measured.
            long until = Environment.TickCount64 + WarmUpMs;
            while (Environment.TickCount64 < until) item.Sdk();
            if (item.Official is { } off)
            {
                until = Environment.TickCount64 + WarmUpMs;
                while (Environment.TickCount64 < until) off();
            }
        }
        for (int r = 0; r < rounds; r++)
        {
            foreach (Item item in items)
            {
                if (r % 2 == 0)
                {
                    item.C.Add(RunC(item.CCase, item.Iterations) / item.Iterations);
                    item.Net.Add(RunSdk(item.Sdk, item.Iterations) / item.Iterations);
                    if (item.Official is { } off) item.Off.Add(RunSdk(off, item.Iterations) / item.Iterations);
                }
                else
                {
                    if (item.Official is { } off) item.Off.Add(RunSdk(off, item.Iterations) / item.Iterations);
                    item.Net.Add(RunSdk(item.Sdk, item.Iterations) / item.Iterations);
                    item.C.Add(RunC(item.CCase, item.Iterations) / item.Iterations);
                }
            }
        }
        return items;
    }

    private static double RunC(string name, long iterations)
    {
        double ns;
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) ns = s_run(n, iterations);
        if (ns < 0) throw new InvalidOperationException($"the C library has no case '{name}'");
        return ns;
    }

    private static double RunSdk(Action sdk, long iterations)
    {
        double start = s_now();
        for (long i = 0; i < iterations; i++) sdk();
        return s_now() - start;
    }

    /// <summary>
    /// The official SDK's side, when it is built in and not turned off with EXTISM_BENCH_OFFICIAL=0.
    /// Created after ours, so libextism is already loaded from our loader's path.
    /// </summary>
    private static IDisposable? CreateOfficial()
    {
#if OFFICIAL_SDK
        if (Environment.GetEnvironmentVariable("EXTISM_BENCH_OFFICIAL") == "0") return null;
        var side = OfficialSide.Create(ExtismRuntime.LibraryPath);
        s_official = side.For;
        return side;
#else
        return null;
#endif
    }

    private static void Report(Item[] items, bool sdkOwnCost = false)
    {
        if (items.Length == 0) return;
        foreach (Item item in items)
            Print(item.Name, item.C, item.Net, item.Off);
        // P1: what the SDK adds to the checked native call, round by round (SDK minus raw P/Invoke).
        if (sdkOwnCost)
            Console.WriteLine($"P1_SdkOwnCost\t-\t{Median(items[0].Net.Zip(items[1].Net, (s, r) => s - r).ToList()):0.0}\t-\t-\t-");
    }

    /// <summary>Per round: (t(N=1000) - t(N=0)) / 1000 on each side, then the median of the rounds' ratios.</summary>
    private static void ReportPerHostCall(string name, Item[] loop, int n1000Index)
    {
        if (loop.Length == 0) return;
        Item n0 = loop[0], n1000 = loop[n1000Index];
        Print(name, PerCall(n1000.C, n0.C), PerCall(n1000.Net, n0.Net), PerCall(n1000.Off, n0.Off));
    }

    /// <summary>Per round: (t(N=1000) - t(N=0)) / 1000.</summary>
    private static List<double> PerCall(List<double> n1000, List<double> n0) => n1000.Zip(n0, (a, b) => (a - b) / 1000).ToList();

    /// <summary>
    /// The floor's cost per host call (<see cref="RawHostLoop"/>), against C; in the official
    /// column, the official FromMethod's per-call cost over the floor's, round by round: the
    /// ceiling of official/ours for any .NET binding.
    /// </summary>
    private static void ReportFloor(Item[] loop)
    {
        if (loop.Length < 5) return;
        Item n0 = loop[0], n1000 = loop[1], floor0 = loop[3], floor1000 = loop[4];
        List<double> floor = PerCall(floor1000.Net, floor0.Net);
        Print("P3_PerHostCall_Floor", PerCall(floor1000.C, floor0.C), floor, PerCall(n1000.Off, n0.Off));
        // What the SDK adds to a host call above the floor, round by round, in ns.
        List<double> ours = PerCall(n1000.Net, n0.Net), oursRaw = PerCall(loop[2].Net, n0.Net);
        Console.WriteLine($"P3_HostCallOwnCost\t-\t{Median(ours.Zip(floor, (a, b) => a - b).ToList()):0.00}\t-\t-\t-");
        Console.WriteLine($"P3_HostCallOwnCost_Raw\t-\t{Median(oursRaw.Zip(floor, (a, b) => a - b).ToList()):0.00}\t-\t-\t-");
    }

    private static void Print(string name, List<double> c, List<double> net, List<double> off)
    {
        double sdkOverC = Median(net.Zip(c, (n, x) => n / x).ToList());
        string official = off.Count == 0 ? "-\t-"
            : $"{Median(off):0.0}\t{Median(off.Zip(net, (o, n) => o / n).ToList()):0.0000}";
        Console.WriteLine($"{name}\t{Median(c):0.0}\t{Median(net):0.0}\t{sdkOverC:0.0000}\t{official}");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}

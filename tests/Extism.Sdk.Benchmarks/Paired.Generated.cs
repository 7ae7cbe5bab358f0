namespace Extism.Sdk.Benchmarks;

// --paired rows for generated host functions (GeneratedHostFunctionBenchmarks): the three ways of
// defining add_one in alternating batches against the C baseline's host loop, then per host call.
internal static partial class Paired
{
    private static void MeasureGeneratedHostFunctions(int rounds, double batchNs)
    {
        var bench = new GeneratedHostFunctionBenchmarks();
        bench.Setup();
        try
        {
            Item[] items = Measure(rounds, batchNs,
                new Item("P3G_HostLoop_N0", "P3_HostLoop_N0", () => bench.P3G_HostLoop_N0()),
                new Item("P3G_HostLoop_N1000_Generated", "P3_HostLoop_N1000", () => bench.P3G_HostLoop_N1000_Generated()),
                new Item("P3G_HostLoop_N1000_FromMethod", "P3_HostLoop_N1000", () => bench.P3G_HostLoop_N1000_FromMethod()),
                new Item("P3G_HostLoop_N1000_ExtismFunction", "P3_HostLoop_N1000", () => bench.P3G_HostLoop_N1000_ExtismFunction()));
            if (items.Length == 0) return; // filtered out by EXTISM_BENCH_ONLY
            Report(items);
            ReportPerHostCall("P3G_PerHostCall_Generated", items, 1);
            ReportPerHostCall("P3G_PerHostCall_FromMethod", items, 2);
            ReportPerHostCall("P3G_PerHostCall_ExtismFunction", items, 3);
            // Generated against FromMethod directly: per round, the ratio of their per-host-call costs.
            List<double> generated = PerCall(items[1].Net, items[0].Net), fromMethod = PerCall(items[2].Net, items[0].Net);
            Console.WriteLine($"P3G_Generated_vs_FromMethod\t{Median(fromMethod):0.0}\t{Median(generated):0.0}\t{Median(generated.Zip(fromMethod, (g, f) => g / f).ToList()):0.0000}\t-\t-");
        }
        finally
        {
            bench.Cleanup();
        }
    }
}

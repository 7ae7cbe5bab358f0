namespace Extism.Sdk.Benchmarks;

// --alloc rows for generated host functions (see GeneratedHostFunctionBenchmarks).
internal static partial class AllocationCheck
{
    private static void MeasureGeneratedHostFunctions()
    {
        var bench = new GeneratedHostFunctionBenchmarks();
        bench.Setup();
        try
        {
            Measure("P3G_HostLoop_N0", 2000, () => bench.P3G_HostLoop_N0());
            Measure("P3G_HostLoop_N1000_Generated", 200, () => bench.P3G_HostLoop_N1000_Generated());
            Measure("P3G_HostLoop_N1000_FromMethod", 200, () => bench.P3G_HostLoop_N1000_FromMethod());
            Measure("P3G_HostLoop_N1000_ExtismFunction", 200, () => bench.P3G_HostLoop_N1000_ExtismFunction());
        }
        finally
        {
            bench.Cleanup();
        }
    }
}

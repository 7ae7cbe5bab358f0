namespace Extism.Sdk.Benchmarks;

/// <summary>
/// <c>--alloc</c>: exact managed bytes per operation, counted on the calling thread only.
/// BenchmarkDotNet's figure counts every thread of the process (tiering, timers), which shows up as
/// tens of bytes per op on slow cases that run only a few ops; this check separates that noise from
/// real allocations on the call path. Prints "case&lt;TAB&gt;bytes_per_op" lines.
/// </summary>
internal static partial class AllocationCheck
{
    public static int Run()
    {
        var calls = new CallBenchmarks();
        var hosts = new HostFunctionBenchmarks();
        var creation = new CreationBenchmarks();
        var pool = new PoolBenchmarks();
        calls.Setup();
        hosts.Setup();
        creation.Setup();
        pool.Setup();
        try
        {
            Measure("P1_Noop", 2000, () => calls.P1_Noop());
            Measure("P2_CountVowels4K", 2000, () => calls.P2_CountVowels4K());
            Measure("P3_HostLoop_N0", 2000, () => hosts.P3_HostLoop_N0());
            Measure("P3_HostLoop_N1000", 200, () => hosts.P3_HostLoop_N1000());
            Measure("P3_HostLoop_N1000_Raw", 200, () => hosts.P3_HostLoop_N1000_Raw());
            MeasureGeneratedHostFunctions();
            Measure("P4_Echo64K", 200, () => calls.P4_Echo64K());
            Measure("P4_Echo1M", 20, () => calls.P4_Echo1M());
            Measure("P5_Echo64K_BufferWriter", 200, () => calls.P5_Echo64K_BufferWriter());
            Measure("P5_Echo1M_BufferWriter", 20, () => calls.P5_Echo1M_BufferWriter());
            Measure("P5_Echo64K_Reader", 200, () => calls.P5_Echo64K_Reader());
            Measure("P5_Echo1M_Reader", 20, () => calls.P5_Echo1M_Reader());
            Measure("P6_Instantiate_FirstCall", 50, () => creation.P6_Instantiate_FirstCall());
            Measure("P6_New_FirstCall", 20, () => creation.P6_New_FirstCall());
            Measure("P7_String4K", 500, () => calls.P7_String4K());
            Measure("P7_Json4K", 500, () => calls.P7_Json4K());
            Measure("P8_Pool_1Thread", 20, () => pool.P8_Pool_1Thread(), perInvoke: 64);
            Measure("P8_PoolPerEngine_1Thread", 20, () => pool.P8_PoolPerEngine_1Thread(), perInvoke: 64);
        }
        finally
        {
            calls.Cleanup();
            hosts.Cleanup();
            creation.Cleanup();
            pool.Cleanup();
        }
        return 0;
    }

    private static void Measure(string name, int count, Action op, int perInvoke = 1)
    {
        // Warm-up: lets tiered JIT settle and the compat path size its output buffer.
        for (int i = 0; i < Math.Max(count / 4, 5); i++) op();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++) op();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{name}\t{bytes / (double)(count * perInvoke):0.###}");
    }
}

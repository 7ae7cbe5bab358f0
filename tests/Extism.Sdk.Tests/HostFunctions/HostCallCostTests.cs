using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// Host calls allocate nothing (checked by counting bytes, which is deterministic), and how long one
/// takes is printed for information only: speed is measured by the benchmarks, never asserted.
/// </summary>
public class HostCallCostTests(ITestOutputHelper output)
{
    private static readonly byte[] Zero = BitConverter.GetBytes(0UL);

    [Fact]
    public void TypedHostCallsDoNotAllocate()
    {
        using var f = HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1);
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        byte[] input = BitConverter.GetBytes(100_000UL);
        plugin.Call("loop", input); // warm up: JIT, output buffer
        long before = GC.GetAllocatedBytesForCurrentThread();
        plugin.Call("loop", input);
        long allocatedFor100k = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        plugin.Call("loop", Zero);
        long allocatedForNone = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"allocated: {allocatedFor100k} B for 100000 host calls, {allocatedForNone} B for none");
        // A few bytes of runtime noise are possible; one allocation per host call would be megabytes.
        Assert.True(allocatedFor100k < 1024, $"{allocatedFor100k} B allocated for 100000 host calls");
    }

    [Fact]
    public void ByteHelperHostCallsDoNotAllocate()
    {
        using var f = HostFunction.ForBytes("transform", null, static (_, input) => input);
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        byte[] input = new byte[256];
        plugin.Call("call_transform", input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) plugin.Call("call_transform", input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"allocated: {allocated} B for 1000 calls with a host call each");
        Assert.True(allocated < 1000, $"{allocated} B allocated for 1000 host calls");
    }

    [Fact]
    public void ReportCostOfOneHostCall()
    {
        using var f = HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1);
        using var raw = new HostFunction("add_one", [Native.ExtismValType.I64], [Native.ExtismValType.I64], null,
            static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1);
        foreach ((string label, HostFunction function) in new[] { ("FromMethod<long, long>", f), ("raw ExtismFunction", raw) })
        {
            using Plugin plugin = TestPlugins.Load("host_loop", false, function);
            const int n = 100_000;
            double best = double.MaxValue;
            for (int round = 0; round < 7; round++)
            {
                double with = Time(plugin, BitConverter.GetBytes((ulong)n));
                double without = Time(plugin, Zero);
                best = Math.Min(best, (with - without) / n);
            }
            output.WriteLine($"{label}: {best * 1e9:F0} ns per host call (best of 7, N = {n} vs N = 0, {(Debugger.IsAttached ? "debugger" : "no debugger")})");
        }
    }

    private static double Time(Plugin plugin, byte[] input)
    {
        long start = Stopwatch.GetTimestamp();
        plugin.Call("loop", input);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

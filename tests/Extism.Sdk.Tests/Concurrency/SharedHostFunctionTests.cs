using Extism.Sdk.Native;
using Xunit;
using static Extism.Sdk.Tests.Concurrency.ConcurrencyHelpers;

namespace Extism.Sdk.Tests.Concurrency;

/// <summary>One host function, and its user data, serving many instances on many threads at once.</summary>
public class SharedHostFunctionTests
{
    private sealed class Counter
    {
        public long Calls;
    }

    [Theory]
    [InlineData(PluginPoolIsolation.SharedEngine)]
    [InlineData(PluginPoolIsolation.EnginePerInstance)]
    public void OneHostFunctionWithSharedUserData_UsedByAllPoolInstancesAtOnce(PluginPoolIsolation isolation)
    {
        var counter = new Counter();
        var addOne = new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], counter, static (plugin, inputs, outputs) =>
        {
            // Runs on every pool thread at once: the user data must be thread-safe.
            Interlocked.Increment(ref plugin.GetUserData<Counter>()!.Calls);
            outputs[0].v.i64 = inputs[0].v.i64 + 1;
        });
        using var pool = new PluginPool(TestPlugins.Manifest("host_loop"), [addOne], null, new PluginPoolOptions { MaxSize = 4, Isolation = isolation });
        const int threads = 8, calls = 200, n = 100;
        int wrong = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            byte[] input = U64(n);
            for (int i = 0; i < calls; i++)
            {
                if (ReadU64(pool.Call("loop", input)) != n) Interlocked.Increment(ref wrong);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        Assert.Equal(0, wrong);
        Assert.Equal((long)threads * calls * n, Interlocked.Read(ref counter.Calls));
        Assert.InRange(pool.PeakCount, 1, 4);
    }
}

using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Concurrency;

/// <summary>Many threads, many calls: every output must belong to its own input.</summary>
public class StressTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int CallsPerThread = 10_000;

    [Fact]
    public void EightThreadsOnOnePlugin_AreSerialisedAndAllCorrect()
    {
        using var plugin = TestPlugins.Load("echo");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int wrong = RunThreads(t =>
        {
            int bad = 0;
            for (int i = 0; i < CallsPerThread; i++)
            {
                string input = $"thread {t} call {i}";
                // The string overload copies the output under the plug-in's lock, so another
                // thread's next call cannot overwrite it before we compare.
                if (plugin.Call("echo", input) != input) bad++;
            }
            return bad;
        });
        output.WriteLine($"{Threads * CallsPerThread} calls on one plug-in in {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void EightThreadsThroughAPoolOfFour_AllCorrectAndNeverMoreThanFourInstances()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("echo"), [], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 4 });
        int maxSeen = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int wrong = RunThreads(t =>
        {
            int bad = 0;
            byte[] buffer = new byte[64];
            for (int i = 0; i < CallsPerThread; i++)
            {
                int length = Encoding.ASCII.GetBytes($"thread {t} call {i}", buffer);
                ReadOnlySpan<byte> input = buffer.AsSpan(0, length);
                // Alternate the copying and the in-place path.
                bool ok = (i & 1) == 0
                    ? pool.Call("echo", input).AsSpan().SequenceEqual(input)
                    : pool.Call("echo", input, buffer, static (output, expected) => output.SequenceEqual(expected.AsSpan(0, output.Length)) && output.Length > 0);
                if (!ok) bad++;
                int count = pool.Count;
                if (count > Volatile.Read(ref maxSeen)) Interlocked.Exchange(ref maxSeen, count);
            }
            return bad;
        });
        output.WriteLine($"{Threads * CallsPerThread} pool calls in {watch.ElapsedMilliseconds} ms; peak {pool.PeakCount} instances");
        Assert.Equal(0, wrong);
        Assert.InRange(pool.PeakCount, 1, 4);
        Assert.InRange(maxSeen, 1, 4);
        Assert.Equal(0, pool.RepeatedCalls);
    }

    [Fact]
    public async Task ManyAsyncCallsThroughAPool_AllCorrect()
    {
        using var pool = new PluginPool(TestPlugins.Manifest("echo"), [], null, new PluginPoolOptions { MaxSize = 2 });
        var tasks = Enumerable.Range(0, 1_000).Select(async i =>
        {
            string input = $"async call {i}";
            return (input, output: i % 2 == 0
                ? await pool.CallAsync("echo", input)
                : Encoding.UTF8.GetString(await pool.CallAsync("echo", Encoding.UTF8.GetBytes(input))));
        }).ToList();
        foreach (var (input, result) in await Task.WhenAll(tasks)) Assert.Equal(input, result);
        Assert.InRange(pool.PeakCount, 1, 2);
    }

    /// <summary>Runs <paramref name="body"/> on <see cref="Threads"/> dedicated threads started together; sums what they return.</summary>
    private static int RunThreads(Func<int, int> body)
    {
        int total = 0;
        using var go = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            go.Wait();
            Interlocked.Add(ref total, body(t));
        })).ToList();
        threads.ForEach(t => t.Start());
        go.Set();
        threads.ForEach(t => t.Join());
        return total;
    }
}

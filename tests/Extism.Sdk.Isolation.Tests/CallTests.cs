using System.Text;
using System.Text.Json.Serialization;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

public sealed record VowelCount(int Count, int Total, string Vowels);

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(VowelCount))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class IsolationJson : JsonSerializerContext;

public class CallTests
{
    [Fact]
    public void BytesGoThereAndBack()
    {
        using IsolatedPluginPool pool = TestPlugins.Pool("echo");
        byte[] input = Encoding.UTF8.GetBytes("hello worker");
        Assert.Equal(input, pool.Call("echo", input));
        Assert.Empty(pool.Call("echo", ReadOnlySpan<byte>.Empty));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void AMebibyteGoesThereAndBack()
    {
        using IsolatedPluginPool pool = TestPlugins.Pool("echo");
        byte[] input = new byte[1 << 20];
        new Random(21).NextBytes(input);
        Assert.Equal(input, pool.Call("echo", input));
    }

    [Fact]
    public void SizesAroundTheJoinLimitKeepTheFramesInStep()
    {
        // Frames up to 64 KiB are written joined, larger ones in pieces (header, then payload),
        // and the worker writes a call's output from the plug-in's memory: each size must come
        // back whole, and the small call after it must still find the next frame where it starts.
        using IsolatedPluginPool pool = TestPlugins.Pool("echo");
        var random = new Random(64);
        foreach (int size in new[] { 64 * 1024 - 20, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 7 })
        {
            byte[] input = new byte[size];
            random.NextBytes(input);
            Assert.Equal(input, pool.Call("echo", input));
            Assert.Equal([1, 2, 3], pool.Call("echo", new byte[] { 1, 2, 3 }));
        }
    }

    [Fact]
    public void StringsAndJsonAreConverted()
    {
        using IsolatedPluginPool pool = TestPlugins.Pool("count_vowels");
        Assert.Contains("\"count\":3", pool.Call("count_vowels", "Hello, World!"));
        // The instance lives on in its worker: the var "total" keeps counting.
        VowelCount? counted = pool.Call("count_vowels", "AEIOU aeiou xyz", IsolationJson.Default.String, IsolationJson.Default.VowelCount);
        Assert.Equal(new VowelCount(10, 13, "aeiouAEIOU"), counted);
    }

    [Fact]
    public async Task AsyncFormsWork()
    {
        await using IsolatedPluginPool pool = TestPlugins.Pool("count_vowels");
        byte[] bytes = await pool.CallAsync("count_vowels", Encoding.UTF8.GetBytes("aaa"));
        Assert.Contains("\"count\":3", Encoding.UTF8.GetString(bytes));
        Assert.Contains("\"count\":2", await pool.CallAsync("count_vowels", "ee"));
        VowelCount? counted = await pool.CallAsync("count_vowels", "i", IsolationJson.Default.String, IsolationJson.Default.VowelCount);
        Assert.Equal(1, counted!.Count);
        Assert.Equal(6, counted.Total);
    }

    [Fact]
    public async Task CallsSpreadOverWorkersAndQueueForThem()
    {
        await using IsolatedPluginPool pool = TestPlugins.Pool("echo", maxWorkers: 2);
        Task<string>[] calls = Enumerable.Range(0, 16).Select(i => pool.CallAsync("echo", $"call {i}")).ToArray();
        string[] results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"call {i}"), results);
        Assert.InRange(pool.Count, 1, 2);
        Assert.Equal(2, pool.MaxWorkers);
        // Two blocking callers at once use two workers.
        using var both = new Barrier(2);
        Parallel.For(0, 2, i =>
        {
            both.SignalAndWait();
            Assert.Equal($"sync {i}", pool.Call("echo", $"sync {i}"));
        });
        Assert.InRange(pool.Count, 1, 2);
    }

    [Fact]
    public void GuestFailuresHaveTheirInProcessKinds()
    {
        using IsolatedPluginPool pool = TestPlugins.Pool("outcomes", manifest: TimeoutManifest("outcomes", TimeSpan.FromMilliseconds(200)));
        ExtismException guest = Assert.ThrowsAny<ExtismException>(() => pool.Call("fail_with_message", ""));
        Assert.Equal(ExtismErrorKind.GuestError, guest.Kind);
        Assert.Equal("bad input", guest.Message);
        Assert.Equal(1, guest.ReturnCode);
        Assert.Equal(ExtismErrorKind.Trap, Assert.Throws<ExtismTrapException>(() => pool.Call("trap", "")).Kind);
        Assert.Equal(ExtismErrorKind.FunctionNotFound, Assert.ThrowsAny<ExtismException>(() => pool.Call("no_such_export", "")).Kind);
        Assert.Throws<ExtismTimeoutException>(() => pool.Call("spin", ""));
        Assert.Equal(ExtismErrorKind.NonZeroReturnCode, Assert.ThrowsAny<ExtismException>(() => pool.Call("return_code", "")).Kind);
        // None of these cost the worker.
        Assert.Equal(1, pool.Count);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0xFD, 0x41 }, pool.Call("non_utf8", ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void ACreationFailureIsReportedAndLeavesNoWorker()
    {
        // host_bytes imports "transform", which this pool does not define.
        using IsolatedPluginPool pool = TestPlugins.Pool("host_bytes");
        ExtismException failure = Assert.ThrowsAny<ExtismException>(() => pool.Call("call_transform", "x"));
        Assert.Equal(ExtismErrorKind.Creation, failure.Kind);
        Assert.Contains("transform", failure.Message);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void AMissingWorkerIsAClearError()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-dir", "Extism.Sdk.Worker");
        var error = Assert.Throws<FileNotFoundException>(() => TestPlugins.Pool("echo", configure: o => o.WorkerPath = missing));
        Assert.Contains(missing, error.Message);
        Assert.Contains("WorkerPath", error.Message);
    }

    [Fact]
    public void OptionsOutOfRangeAreRefused()
    {
        Assert.Throws<ArgumentException>(() => TestPlugins.Pool("echo", configure: o => o.MaxWorkers = 0));
        Assert.Throws<ArgumentException>(() => TestPlugins.Pool("echo", configure: o => o.CallDeadline = TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => TestPlugins.Pool("echo", configure: o => o.MaxWorkerMemoryBytes = -1));
    }

    [Fact]
    public void ADisposedPoolRefusesCalls()
    {
        IsolatedPluginPool pool = TestPlugins.Pool("echo");
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Call("echo", "x"));
    }

    internal static Manifest TimeoutManifest(string name, TimeSpan timeout)
    {
        Manifest manifest = TestPlugins.Manifest(name);
        manifest.Timeout = timeout;
        return manifest;
    }
}

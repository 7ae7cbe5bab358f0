using System.Text;
using System.Text.Json.Serialization;
using Xunit;
using static Extism.Sdk.Tests.Concurrency.ConcurrencyHelpers;

namespace Extism.Sdk.Tests.Concurrency;

public sealed record PoolVowels(int Count, long Total, string Vowels);

public sealed record PoolPayload(string Name, int[] Values);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(PoolVowels))]
[JsonSerializable(typeof(PoolPayload))]
internal sealed partial class ConcurrencyJson : JsonSerializerContext;

/// <summary>Plugin.CallAsync and PluginPool.CallAsync.</summary>
public class AsyncTests
{
    [Fact]
    public async Task CallAsyncRunsOffTheCallersThread()
    {
        using var plugin = TestPlugins.Load("echo");
        byte[] bytes = await plugin.CallAsync("echo", "hello"u8.ToArray());
        Assert.Equal("hello", Encoding.UTF8.GetString(bytes));
        Assert.Equal("text", await plugin.CallAsync("echo", "text"));
        // The output array belongs to the caller: a later call does not change it.
        await plugin.CallAsync("echo", "other"u8.ToArray());
        Assert.Equal("hello", Encoding.UTF8.GetString(bytes));

        // The call may only finish after CallAsync has returned its task to the caller: a call run
        // inline on the caller's thread would wait here for a release that never comes. (Comparing
        // thread ids cannot show this: once the caller awaits, its pool thread is free to run the
        // call itself, which a CI run did.)
        using var release = new ManualResetEventSlim();
        bool? onPool = null;
        var hf = HostFunction.FromMethod<long, long>("add_one", null, (_, v) =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            if (!release.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("the call ran before CallAsync returned its task");
            return v + 1;
        });
        using var looping = TestPlugins.Load("host_loop", false, hf);
        Task<byte[]> pending = looping.CallAsync("loop", U64(1));
        Assert.False(pending.IsCompleted);
        release.Set();
        Assert.Equal(1, ReadU64(await pending));
        Assert.True(onPool);
    }

    [Fact]
    public async Task CallAsyncWithATokenAlreadyCancelled_NeverCalls()
    {
        using var plugin = TestPlugins.Load("outcomes");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Task<byte[]> task = plugin.CallAsync("spin", ReadOnlyMemory<byte>.Empty, cts.Token);
        Assert.True(task.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plugin.CallAsync("spin", "", cts.Token));
    }

    // libextism 1.41 can swallow a cancel that arrives exactly as a call starts (see
    // CancellationTests): the instances below are instantiated before they are cancelled, and
    // fuel ends the spin should a cancel be lost anyway, so a test fails instead of hanging.
    private static Plugin SpinWithFuelBackstop() => new(TestPlugins.Bytes("outcomes"), [], new PluginInitializationOptions { FuelLimit = 3_000_000_000 });

    /// <summary>
    /// host_loop's add_one, which also says when the guest is inside its export: cancelling only
    /// then keeps the cancel clear of libextism's start-of-call race, whatever the thread pool's delays.
    /// </summary>
    private sealed class RunningSignal : IDisposable
    {
        public ManualResetEventSlim Inside { get; } = new();

        public HostFunction AddOne => HostFunction.FromMethod<long, long>("add_one", null, (_, v) => { Inside.Set(); return v + 1; });

        public void WaitUntilRunning() => Assert.True(Inside.Wait(TimeSpan.FromSeconds(30)), "the call never reached its export");

        public void Dispose() => Inside.Dispose();
    }

    [Fact]
    public async Task CallAsyncCancelledDuringTheCall_EndsCanceledAndThePluginStaysUsable()
    {
        using var signal = new RunningSignal();
        using var plugin = new Plugin(TestPlugins.Bytes("host_loop"), [signal.AddOne], new PluginInitializationOptions { FuelLimit = 3_000_000_000 });
        using var cts = new CancellationTokenSource();
        Task<byte[]> task = plugin.CallAsync("loop", U64(long.MaxValue), cts.Token);
        signal.WaitUntilRunning();
        cts.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(task.IsCanceled);
        Assert.Equal(10, ReadU64(await plugin.CallAsync("loop", U64(10))));
    }

    [Fact]
    public async Task CallAsyncWaitingBehindAnotherCall_CanBeCancelledWhileQueued()
    {
        using Plugin plugin = SpinWithFuelBackstop();
        await plugin.CallAsync("busy", U64(10));
        using var stopSpin = new CancellationTokenSource();
        Task<byte[]> spinning = plugin.CallAsync("spin", ReadOnlyMemory<byte>.Empty, stopSpin.Token);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plugin.CallAsync("busy", U64(1), cts.Token));
        Assert.False(spinning.IsCompleted);
        stopSpin.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => spinning);
    }

    [Fact]
    public async Task CallAsyncFailuresArriveInTheTask()
    {
        using var plugin = TestPlugins.Load("outcomes");
        await Assert.ThrowsAsync<ExtismTrapException>(() => plugin.CallAsync("trap", ReadOnlyMemory<byte>.Empty));
        plugin.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => plugin.CallAsync("busy", U64(1)));
    }

    [Fact]
    public async Task CallAsyncJson()
    {
        using var vowels = TestPlugins.Load("count_vowels");
        PoolVowels? result = await vowels.CallAsync("count_vowels", "Hello, World!", ConcurrencyJson.Default.PoolVowels);
        Assert.Equal(new PoolVowels(3, 3, "aeiouAEIOU"), result);

        using var echo = TestPlugins.Load("echo");
        var payload = new PoolPayload("x", [1, 2, 3]);
        PoolPayload? back = await echo.CallAsync("echo", payload, ConcurrencyJson.Default.PoolPayload, ConcurrencyJson.Default.PoolPayload);
        Assert.Equal(payload.Name, back!.Name);
        Assert.Equal(payload.Values, back.Values);
    }

    [Fact]
    public async Task PoolCallAsyncJsonAndCancellation()
    {
        using var pool = new PluginPool(TestPlugins.Manifest("echo"), [], null, new PluginPoolOptions { MaxSize = 2 });
        var payload = new PoolPayload("pool", [4, 5]);
        PoolPayload? back = await pool.CallAsync("echo", payload, ConcurrencyJson.Default.PoolPayload, ConcurrencyJson.Default.PoolPayload);
        Assert.Equal(payload.Values, back!.Values);
        PoolPayload? sync = pool.Call("echo", payload, ConcurrencyJson.Default.PoolPayload, ConcurrencyJson.Default.PoolPayload);
        Assert.Equal("pool", sync!.Name);

        using var signal = new RunningSignal();
        using var loopPool = new PluginPool(TestPlugins.Manifest("host_loop"), [signal.AddOne], new PluginInitializationOptions { FuelLimit = 3_000_000_000 }, new PluginPoolOptions { MaxSize = 1 });
        using var cts = new CancellationTokenSource();
        Task<byte[]> running = loopPool.CallAsync("loop", U64(long.MaxValue), cts.Token);
        signal.WaitUntilRunning();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        // The slot is free again (its instance replaced, since the call had started).
        Assert.InRange(loopPool.Count, 0, 1);
        Assert.Equal(1, ReadU64(await loopPool.CallAsync("loop", U64(1))));
    }
}

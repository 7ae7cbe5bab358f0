using Xunit;

namespace Extism.Sdk.Tests.Pool;

/// <summary>PluginPool.DrainAsync: waits for rented instances, and cancels running calls when told to stop waiting.</summary>
public class PoolDrainTests
{
    [Fact]
    public async Task DrainWaitsForRentedInstancesToComeBack()
    {
        using var pool = new PluginPool(TestPlugins.Manifest("echo"), [], null, new PluginPoolOptions { MaxSize = 2 });
        Assert.True(await pool.DrainAsync()); // nothing rented
        var lease = pool.Rent();
        Assert.Equal(1, pool.InUse);
        Task<bool> drain = pool.DrainAsync();
        await Task.Delay(100);
        Assert.False(drain.IsCompleted);
        lease.Dispose();
        Assert.True(await drain.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, pool.InUse);
    }

    [Theory]
    [InlineData(PluginPoolIsolation.SharedEngine)]
    [InlineData(PluginPoolIsolation.EnginePerInstance)]
    public async Task DrainCancelsRunningCallsWhenItsTokenFires(PluginPoolIsolation isolation)
    {
        // A fuel backstop, so that a lost cancel cannot hang the test (libextism's start-of-call race).
        using var pool = new PluginPool(TestPlugins.Manifest("outcomes"), [], new PluginInitializationOptions { FuelLimit = 20_000_000_000 },
            new PluginPoolOptions { MaxSize = 2, Isolation = isolation });
        Task<byte[]>[] spinning = [pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty), pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty)];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (pool.InUse < 2 && DateTime.UtcNow < deadline) await Task.Delay(10);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.False(await pool.DrainAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(30)));
        foreach (Task<byte[]> call in spinning)
        {
            Exception e = await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.True(e is OperationCanceledException or ExtismException, e.ToString());
        }
    }
}

using Xunit;
using static Extism.Sdk.Tests.Registry.RegistryFixtures;

namespace Extism.Sdk.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class RegistryCompilationTests
{
    [Fact]
    public async Task Concurrent_first_calls_resolve_and_compile_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int resolves = 0;
        using var registry = new PluginRegistry(async (key, _) =>
        {
            Interlocked.Increment(ref resolves);
            await gate.Task; // hold the compilation until every caller has asked
            return new PluginDefinition(Constant(42));
        });

        Task<long>[] calls = Enumerable.Range(0, 16).Select(_ => Task.Run(() => Get(registry, "tenant/a@1"))).ToArray();
        while (registry.CompiledModules == 0 && Volatile.Read(ref resolves) == 0) await Task.Delay(5);
        await Task.Delay(50); // let the other callers join the compilation in flight
        gate.SetResult();

        Assert.All(await Task.WhenAll(calls), value => Assert.Equal(42, value));
        Assert.Equal(1, resolves);
        Assert.Equal(1, registry.CompiledModules);
        Assert.True(registry.IsCompiled("tenant/a@1"));
    }

    [Fact]
    public async Task A_failed_compilation_reaches_every_waiter_and_is_tried_again_by_the_next_call()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int resolves = 0;
        using var registry = new PluginRegistry(async (key, _) =>
        {
            int n = Interlocked.Increment(ref resolves);
            if (n == 1)
            {
                await gate.Task;
                return new PluginDefinition("(module (func $broken"u8.ToArray()); // not valid WAT
            }
            return new PluginDefinition(Constant(7));
        });

        Task<long>[] calls = Enumerable.Range(0, 8).Select(_ => Task.Run(() => Get(registry, "k"))).ToArray();
        while (Volatile.Read(ref resolves) == 0) await Task.Delay(5);
        await Task.Delay(50);
        gate.SetResult();

        foreach (Task<long> call in calls)
        {
            var e = await Assert.ThrowsAsync<ExtismException>(() => call);
            Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        }
        Assert.Equal(1, resolves);
        Assert.False(registry.IsCompiled("k"));
        Assert.Equal(0, registry.CompiledModules);

        Assert.Equal(7, await Get(registry, "k"));
        Assert.Equal(2, resolves);
    }

    [Fact]
    public async Task A_resolver_exception_reaches_the_caller_unchanged()
    {
        using var registry = new PluginRegistry((key, _) => throw new KeyNotFoundException($"no plug-in '{key}'"));
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => Get(registry, "missing"));
        Assert.Contains("missing", e.Message);
        Assert.Equal(0, registry.CompiledModules);
    }

    [Fact]
    public async Task Invalidate_makes_the_next_call_resolve_the_new_version_while_a_lease_finishes_on_the_old()
    {
        var resolver = new CountingResolver();
        long version = 1;
        resolver.Value = _ => Interlocked.Read(ref version);
        using var registry = new PluginRegistry(resolver.Resolve);

        Assert.Equal(1, await Get(registry, "k1"));
        using (PluginRegistryLease lease = await registry.RentAsync("k1"))
        {
            Interlocked.Exchange(ref version, 2);
            Assert.True(registry.Invalidate("k1"));
            Assert.False(registry.IsCompiled("k1"));
            Assert.Equal(1, Read(lease.Plugin.Call(Export, ReadOnlySpan<byte>.Empty).ToArray())); // old code keeps serving its holder
            Assert.Equal(2, await Get(registry, "k1"));
            Assert.Equal(2, registry.CompiledModules); // the old one lives until the lease ends
        }
        Assert.Equal(1, registry.CompiledModules);
        Assert.Equal(2, resolver.Calls("k1"));
        Assert.False(registry.Invalidate("never-used"));
    }

    [Fact]
    public async Task Calls_after_dispose_throw_ObjectDisposedException()
    {
        var resolver = new CountingResolver();
        var registry = new PluginRegistry(resolver.Resolve);
        Assert.Equal(3, await Get(registry, "k3"));
        registry.Dispose();
        Assert.Equal(0, registry.CompiledModules);
        Assert.Equal(0, registry.LiveInstances);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Get(registry, "k3"));
        registry.Dispose();
    }

    [Fact]
    public async Task Disposing_while_a_compilation_waits_gives_its_callers_ObjectDisposedException()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new PluginRegistry(async (key, token) =>
        {
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, token); // a resolver that honours the registry's token
            return new PluginDefinition(Constant(1));
        });
        Task<long> call = Get(registry, "k1");
        await entered.Task;
        registry.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => call);
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_option_named()
    {
        var resolver = new CountingResolver();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxLiveInstances = 10_000 }));
        Assert.Contains("MaxLiveInstances", e.Message);
        Assert.Contains("address space", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MemoryBudget = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxCompiledModules = 0 }));
    }
}

using Xunit;
using static Extism.Sdk.Tests.Registry.RegistryFixtures;

namespace Extism.Sdk.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class RegistryBudgetTests
{
    [Fact]
    public async Task Instances_are_evicted_least_recently_used_first_extra_idle_ones_before_a_pools_last()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions
        {
            MaxLiveInstances = 3, MaxInstancesPerPlugin = 2, BudgetWaitTimeout = TimeSpan.Zero,
        });
        // k1 gets two instances (two leases at once), then k2 one: the budget of 3 is full.
        using (PluginRegistryLease first = await registry.RentAsync("k1"))
        using (PluginRegistryLease second = await registry.RentAsync("k1"))
        {
            Assert.NotSame(first.Plugin, second.Plugin);
        }
        Assert.Equal(2, await Get(registry, "k2"));
        Assert.Equal((2, 1), (registry.LiveInstancesOf("k1"), registry.LiveInstancesOf("k2")));

        // k1's second idle instance goes first, although k1 is not the least recently used pool... 
        Assert.Equal(3, await Get(registry, "k3"));
        Assert.Equal((1, 1, 1), (registry.LiveInstancesOf("k1"), registry.LiveInstancesOf("k2"), registry.LiveInstancesOf("k3")));

        // ...then the last idle instance of the least recently used pool: k1.
        Assert.Equal(4, await Get(registry, "k4"));
        Assert.Equal((0, 1, 1, 1), (registry.LiveInstancesOf("k1"), registry.LiveInstancesOf("k2"), registry.LiveInstancesOf("k3"), registry.LiveInstancesOf("k4")));

        // Using k2 again makes k3 the least recently used.
        Assert.Equal(2, await Get(registry, "k2"));
        Assert.Equal(5, await Get(registry, "k5"));
        Assert.Equal((1, 0, 1, 1), (registry.LiveInstancesOf("k2"), registry.LiveInstancesOf("k3"), registry.LiveInstancesOf("k4"), registry.LiveInstancesOf("k5")));
        Assert.Equal(3, registry.LiveInstances);
        Assert.Equal(3, registry.Evictions);
        Assert.All(new[] { "k1", "k2", "k3", "k4", "k5" }, key => Assert.True(registry.IsCompiled(key))); // no module had to go
    }

    [Fact]
    public async Task Compiled_modules_are_evicted_least_recently_used_first()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxCompiledModules = 2, BudgetWaitTimeout = TimeSpan.Zero });
        await Get(registry, "k1");
        await Get(registry, "k2");
        await Get(registry, "k1");
        Assert.Equal(3, await Get(registry, "k3"));

        Assert.True(registry.IsCompiled("k1"));
        Assert.False(registry.IsCompiled("k2"));
        Assert.True(registry.IsCompiled("k3"));
        Assert.Equal(2, registry.CompiledModules);
        Assert.Equal(0, registry.LiveInstancesOf("k2"));

        Assert.Equal(2, await Get(registry, "k2")); // evicted keys come back through the resolver
        Assert.Equal(2, resolver.Calls("k2"));
    }

    [Fact]
    public async Task Memory_budget_evicts_idle_instances_then_pools_then_modules()
    {
        var resolver = new CountingResolver
        {
            Shape = (_, d) => new PluginDefinition(d.Wasm) { ModuleMemoryEstimate = 300, InstanceMemoryEstimate = 100 },
        };
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MemoryBudget = 1000, BudgetWaitTimeout = TimeSpan.Zero });
        await Get(registry, "k1");
        await Get(registry, "k2");
        Assert.Equal(800, registry.EstimatedMemory);

        // k3 (300 + 100) fits once the instances of k1, then k2, are gone; no module goes.
        await Get(registry, "k3");
        Assert.Equal(1000, registry.EstimatedMemory);
        Assert.Equal((0, 0, 1), (registry.LiveInstancesOf("k1"), registry.LiveInstancesOf("k2"), registry.LiveInstancesOf("k3")));
        Assert.Equal(3, registry.CompiledModules);

        // k4: the last idle instance (k3's) goes, then the least recently used module, k1.
        await Get(registry, "k4");
        Assert.False(registry.IsCompiled("k1"));
        Assert.True(registry.IsCompiled("k2") && registry.IsCompiled("k3") && registry.IsCompiled("k4"));
        Assert.Equal((0, 1), (registry.LiveInstancesOf("k3"), registry.LiveInstancesOf("k4")));
        Assert.Equal(1000, registry.EstimatedMemory);
    }

    [Fact]
    public async Task A_plugin_larger_than_the_memory_budget_fails_at_once_naming_the_budget()
    {
        var resolver = new CountingResolver { Shape = (_, d) => new PluginDefinition(d.Wasm) { ModuleMemoryEstimate = 5000 } };
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MemoryBudget = 1000 });
        var e = await Assert.ThrowsAsync<PluginBudgetExceededException>(() => Get(registry, "k1"));
        Assert.Equal(PluginRegistryBudget.Memory, e.Budget);
        Assert.Contains("MemoryBudget", e.Message);
        Assert.Equal(0, registry.EstimatedMemory);
    }

    [Fact]
    public async Task An_instance_in_use_is_never_evicted_and_a_call_that_finds_no_room_fails_naming_the_budget()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxLiveInstances = 1, BudgetWaitTimeout = TimeSpan.FromMilliseconds(200) });
        using (PluginRegistryLease lease = await registry.RentAsync("k1"))
        {
            var e = await Assert.ThrowsAsync<PluginBudgetExceededException>(() => Get(registry, "k2"));
            Assert.Equal(PluginRegistryBudget.LiveInstances, e.Budget);
            Assert.Equal("k2", e.Key);
            Assert.Contains("MaxLiveInstances (1)", e.Message);
            Assert.Equal(1, Read(lease.Plugin.Call(Export, ReadOnlySpan<byte>.Empty).ToArray())); // still alive and usable
            Assert.Equal(1, registry.LiveInstancesOf("k1"));
        }
        Assert.Equal(2, await Get(registry, "k2")); // now k1's idle instance can go
        Assert.Equal(0, registry.LiveInstancesOf("k1"));
    }

    [Fact]
    public async Task A_module_held_by_a_lease_is_never_evicted_and_the_module_budget_is_named()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxCompiledModules = 1, BudgetWaitTimeout = TimeSpan.FromMilliseconds(200) });
        using (PluginRegistryLease lease = await registry.RentAsync("k1"))
        {
            var e = await Assert.ThrowsAsync<PluginBudgetExceededException>(() => Get(registry, "k2"));
            Assert.Equal(PluginRegistryBudget.CompiledModules, e.Budget);
            Assert.Contains("MaxCompiledModules (1)", e.Message);
            Assert.True(registry.IsCompiled("k1"));
        }
        Assert.Equal(2, await Get(registry, "k2"));
        Assert.False(registry.IsCompiled("k1"));
    }

    [Fact]
    public async Task A_call_waits_for_room_and_proceeds_when_an_instance_is_given_back()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxLiveInstances = 1, BudgetWaitTimeout = TimeSpan.FromMinutes(2) });
        await Get(registry, "k2"); // compiled, so the waiting below is for an instance only
        PluginRegistryLease lease = await registry.RentAsync("k1");
        Task<long> waiting = Get(registry, "k2");
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted); // cannot finish while the only instance is rented
        lease.Dispose();
        Assert.Equal(2, await waiting);
        Assert.Equal(1, registry.LiveInstances);
    }

    [Fact]
    public async Task Cancelling_a_call_that_waits_for_room_ends_the_wait()
    {
        var resolver = new CountingResolver();
        using var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxLiveInstances = 1, BudgetWaitTimeout = Timeout.InfiniteTimeSpan });
        using PluginRegistryLease lease = await registry.RentAsync("k1");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => registry.CallAsync("k2", Export, ReadOnlyMemory<byte>.Empty, cts.Token));
        Assert.Equal(1, registry.LiveInstances);
    }
}

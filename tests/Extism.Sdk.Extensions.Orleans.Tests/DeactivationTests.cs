using Extism.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>A grain's deactivation releases the compiled plug-in its silo's registry held for it.</summary>
[Collection("cluster")]
public sealed class DeactivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task DeactivatingTheGrainFreesThePluginOnItsSilo()
    {
        const string key = "answer/deactivated";
        await fixture.Plugins.CallAsync(key, "run", "x");
        string holder = TestPlugins.CompiledOn(key).Single();
        PluginRegistry registry = RegistryOf(holder);
        Assert.True(registry.IsCompiled(key));

        // Orleans' idle collection, forced now for every activation idle for any time at all.
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        for (int i = 0; i < 100 && registry.IsCompiled(key); i++) await Task.Delay(50);
        Assert.False(registry.IsCompiled(key), $"'{key}' is still compiled on {holder} after its grain was collected");

        // The next call activates the grain again and compiles again.
        Assert.Equal(key + "#2", await fixture.Plugins.CallAsync(key, "run", "x"));
    }

    private PluginRegistry RegistryOf(string silo) => ((InProcessSiloHandle)fixture.Cluster.Silos.Single(s => s.Name == silo))
        .ServiceProvider.GetRequiredService<PluginRegistry>();
}

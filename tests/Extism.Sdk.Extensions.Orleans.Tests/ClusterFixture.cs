using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>Three silos in this process and a client; started once per test class that uses it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; } = new TestClusterBuilder(3)
        .AddSiloBuilderConfigurator<TestSilo>()
        .AddClientBuilderConfigurator<TestClient>()
        .Build();

    internal ExtismPluginCluster Plugins => Cluster.Client.ServiceProvider.GetRequiredService<ExtismPluginCluster>();

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Cluster tests run one class at a time: each class starts three silos, and the machine is small.</summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;

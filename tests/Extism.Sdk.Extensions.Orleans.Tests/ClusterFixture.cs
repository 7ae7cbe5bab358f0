using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>Three silos in this process and a client; started once per collection (or class) that uses it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; } = new TestClusterBuilder(3)
        .AddSiloBuilderConfigurator<TestSilo>()
        .AddClientBuilderConfigurator<TestClient>()
        .Build();

    internal ExtismPluginCluster Plugins => Cluster.Client.ServiceProvider.GetRequiredService<ExtismPluginCluster>();

    public async ValueTask InitializeAsync() => await Cluster.DeployAsync();

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Tests on one shared three-silo cluster, one at a time (the machine is small). Each test uses
/// keys of its own, so what one test compiles or collects does not change another's outcome.
/// </summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

/// <summary>The failover test takes a silo away, so it gets a cluster of its own.</summary>
[CollectionDefinition("cluster-failover", DisableParallelization = true)]
public sealed class FailoverCollection;

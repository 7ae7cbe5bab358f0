using System.Collections.Concurrent;
using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Extensions.Orleans.Tests;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>
/// Three silos in this process (Orleans TestCluster, real TCP between them on 127.0.0.1), each with
/// its own PluginRegistry and budgets; keys <c>m{id}</c> resolve to generated count-vowels modules.
/// </summary>
internal sealed class SimCluster : IAsyncDisposable
{
    /// <summary>Per-silo budgets, read by the silo configurator (which Orleans creates itself).</summary>
    internal static int MaxInstances = 1000;
    internal static long MemoryBudget = 1L << 30;

    /// <summary>Every compilation: key → silos that resolved it, in order.</summary>
    internal static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Compilations = new(StringComparer.Ordinal);

    private SimCluster(TestCluster cluster) => Cluster = cluster;

    internal TestCluster Cluster { get; }

    internal ExtismPluginCluster Plugins => Cluster.Client.ServiceProvider.GetRequiredService<ExtismPluginCluster>();

    internal static async Task<SimCluster> StartAsync(int silos = 3)
    {
        var cluster = new TestClusterBuilder((short)silos)
            .AddSiloBuilderConfigurator<Silo>()
            .AddClientBuilderConfigurator<Client>()
            .Build();
        await cluster.DeployAsync();
        return new SimCluster(cluster);
    }

    internal static int CompilationsOf(string key) => Compilations.TryGetValue(key, out var q) ? q.Count : 0;

    /// <summary>The registry of a live silo (in this process, so it can be read directly).</summary>
    internal static PluginRegistry RegistryOf(SiloHandle silo) => ((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<PluginRegistry>();

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddScalePlugins(MaxInstances, MemoryBudget, services =>
            {
                string name = services.GetRequiredService<ILocalSiloDetails>().Name;
                return key => Compilations.GetOrAdd(key, _ => new()).Enqueue(name);
            });
            TestClusterTiming.Apply(silo.Services);
        }
    }

    private sealed class Client : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client)
        {
            client.AddExtismPluginClient(configure: ScaleSilo.Retries);
            TestClusterTiming.Apply(client.Services);
        }
    }
}

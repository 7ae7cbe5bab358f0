using System.Collections.Concurrent;
using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Scale;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
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
            silo.AddExtismPlugins(services =>
            {
                string name = services.GetRequiredService<ILocalSiloDetails>().Name;
                return (key, _) =>
                {
                    Compilations.GetOrAdd(key, _ => new()).Enqueue(name);
                    return ValueTask.FromResult(new PluginDefinition(CountVowelsModule.Wat(int.Parse(key.AsSpan(1)))));
                };
            }, registry =>
            {
                registry.MaxLiveInstances = MaxInstances;
                registry.MaxCompiledModules = MaxInstances;
                registry.MemoryBudget = MemoryBudget;
                registry.BudgetWaitTimeout = TimeSpan.FromSeconds(30);
            });
            Timing(silo.Services);
        }
    }

    private sealed class Client : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client)
        {
            client.AddExtismPluginClient(configure: o =>
            {
                o.MaxAttempts = 10;
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
            });
            Timing(client.Services);
        }
    }

    /// <summary>A dead silo is declared dead within a few seconds (production defaults take longer).</summary>
    private static void Timing(IServiceCollection services)
    {
        services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });
        services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }
}

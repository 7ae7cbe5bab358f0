using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>
/// A dead silo is noticed in seconds, not the production default's tens of seconds. Shared as
/// source with tests/Extism.Sdk.Cluster.Scale (its silos in one process and one per process).
/// </summary>
internal static class TestClusterTiming
{
    /// <summary>Fast death detection and 10-second response timeouts, for a test cluster's silos and client.</summary>
    internal static void Apply(IServiceCollection services)
    {
        services.Configure<ClusterMembershipOptions>(FastDeathDetection);
        services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }

    /// <summary>A silo that misses two probes of one second is declared dead on one vote.</summary>
    internal static void FastDeathDetection(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 1;
    }
}

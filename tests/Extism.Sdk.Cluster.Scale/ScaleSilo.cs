using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Scale;
using Orleans.Hosting;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>
/// What every silo and client of the scale runs is, whether the silos share a process
/// (<see cref="SimCluster"/>) or each has its own (<see cref="MultiProcess"/>): keys <c>m{id}</c>
/// resolve to generated count-vowels modules inside per-silo budgets, and callers retry.
/// </summary>
internal static class ScaleSilo
{
    /// <summary>
    /// Makes <paramref name="silo"/> host the plug-in grains within its budgets;
    /// <paramref name="onResolve"/> is made once per silo from its services and told every key the
    /// silo resolves (i.e. compiles).
    /// </summary>
    internal static ISiloBuilder AddScalePlugins(this ISiloBuilder silo, int maxInstances, long memoryBudget, Func<IServiceProvider, Action<string>> onResolve)
        => silo.AddExtismPlugins(services =>
        {
            Action<string> resolved = onResolve(services);
            return (key, _) =>
            {
                resolved(key);
                return ValueTask.FromResult(new PluginDefinition(CountVowelsModule.Wat(int.Parse(key.AsSpan(1)))));
            };
        }, registry =>
        {
            registry.MaxLiveInstances = maxInstances;
            registry.MaxCompiledModules = maxInstances;
            registry.MemoryBudget = memoryBudget;
            registry.BudgetWaitTimeout = TimeSpan.FromSeconds(30);
        });

    /// <summary>The callers' retries: enough to ride out a killed silo being declared dead.</summary>
    internal static void Retries(ExtismClusterOptions options)
    {
        options.MaxAttempts = 10;
        options.RetryDelay = TimeSpan.FromMilliseconds(100);
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// The cluster's instruments, on the meter <c>Extism.Sdk.Extensions.Orleans</c>, every measurement
/// tagged <c>extism.silo</c> (the silo's name): grain calls by outcome and their duration, and each
/// silo's registry gauges (live instances, compiled modules, estimated memory, evictions,
/// activations). The silo's registry is given the same tag (<see cref="PluginRegistryOptions.MetricTags"/>),
/// so its own instruments on the meter <c>Extism.Sdk</c> (hits, misses, evictions, compile duration) carry it too.
/// </summary>
internal static class ClusterMetrics
{
    internal const string MeterName = "Extism.Sdk.Extensions.Orleans";
    internal const string SiloTag = "extism.silo";
    private static readonly Meter Meter = new(MeterName, typeof(ClusterMetrics).Assembly.GetName().Version?.ToString());
    private static readonly List<SiloPlugins> Silos = [];

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>("extism.cluster.calls", "{call}", "Plug-in calls served by grains, tagged with the silo and the outcome (ok, cancelled, or the PluginCallFailure in snake_case).");
    internal static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("extism.cluster.call.duration", "s", "Time a grain spent on a plug-in call, compilation included, on the silo that served it.");

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("extism.cluster.retries", "{retry}", "Calls ExtismPluginCluster tried again after a transient failure, tagged with the failure's type (error.type).");

    internal static void Retried(Exception e)
    {
        if (Retries.Enabled) Retries.Add(1, new KeyValuePair<string, object?>("error.type", e.GetType().FullName));
    }

    static ClusterMetrics()
    {
        Meter.CreateObservableGauge("extism.cluster.registry.live_instances", () => Each(s => s.Registry.LiveInstances), "{instance}", "Live plug-in instances in each silo's registry.");
        Meter.CreateObservableGauge("extism.cluster.registry.compiled_modules", () => Each(s => s.Registry.CompiledModules), "{module}", "Compiled plug-ins in each silo's registry.");
        Meter.CreateObservableGauge("extism.cluster.registry.estimated_memory", () => Each(s => s.Registry.EstimatedMemory), "By", "Memory each silo's registry budget counts.");
        Meter.CreateObservableCounter("extism.cluster.registry.evictions", () => Each(s => s.Registry.Evictions), "{eviction}", "Evictions in each silo's registry.");
        Meter.CreateObservableGauge("extism.cluster.activations", () => Each(s => (long)s.Activations), "{activation}", "Plug-in grain activations on each silo.");
    }

    internal static void Track(SiloPlugins silo)
    {
        lock (Silos) Silos.Add(silo);
    }

    internal static void Untrack(SiloPlugins silo)
    {
        lock (Silos) Silos.Remove(silo);
    }

    private static Measurement<long>[] Each(Func<SiloPlugins, long> read)
    {
        lock (Silos)
        {
            return Silos.Where(static s => !s.Registry.IsDisposed)
                .Select(s => new Measurement<long>(read(s), new KeyValuePair<string, object?>(SiloTag, s.Silo))).ToArray();
        }
    }

    internal static void Called(string silo, long startTimestamp, Exception? failure)
    {
        if (!Calls.Enabled && !CallDuration.Enabled) return;
        string outcome = failure switch
        {
            null => "ok",
            OperationCanceledException => "cancelled",
            PluginCallException p => Snake(p.Failure),
            _ => "other",
        };
        var siloTag = new KeyValuePair<string, object?>(SiloTag, silo);
        var outcomeTag = new KeyValuePair<string, object?>("extism.outcome", outcome);
        Calls.Add(1, siloTag, outcomeTag);
        CallDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, siloTag, outcomeTag);
    }

    private static string Snake(PluginCallFailure failure) => failure switch
    {
        PluginCallFailure.Plugin => "plugin",
        PluginCallFailure.BudgetExceeded => "budget_exceeded",
        PluginCallFailure.KeyNotFound => "key_not_found",
        PluginCallFailure.InvalidArgument => "invalid_argument",
        PluginCallFailure.SiloStopping => "silo_stopping",
        _ => "other",
    };
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using Extism.Sdk.Diagnostics;

namespace Extism.Sdk;

/// <summary>
/// The registry's instruments, on the SDK's meter (<see cref="ExtismTelemetry.Meter"/>): hits,
/// misses, evictions (tagged <c>extism.reason</c>: instance, pool, module, invalidated, disposed)
/// and compile duration in seconds (tagged <c>extism.outcome</c>: ok or error). One set per
/// process, shared by every registry; a registry's <see cref="PluginRegistryOptions.MetricTags"/>
/// ride on each of its measurements. Like the rest of the SDK's telemetry, nothing is recorded
/// (or allocated) while nobody listens.
/// </summary>
internal static class RegistryMetrics
{
    private static readonly Meter Meter = ExtismTelemetry.Meter;

    internal static void Hit(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Hits.Enabled) Hits.Add(1, tags);
    }

    internal static void Miss(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Misses.Enabled) Misses.Add(1, tags);
    }

    internal static readonly Counter<long> Hits = Meter.CreateCounter<long>("extism.registry.hits", "{call}", "Registry calls that found their plug-in compiled.");
    internal static readonly Counter<long> Misses = Meter.CreateCounter<long>("extism.registry.misses", "{call}", "Registry calls that had to wait for a compilation.");
    internal static readonly Counter<long> Evictions = Meter.CreateCounter<long>("extism.registry.evictions", "{eviction}", "Instances, pools and modules the registry disposed to stay within its budgets.");
    internal static readonly Histogram<double> CompileDuration = Meter.CreateHistogram<double>("extism.registry.compile.duration", "s", "Time to compile a plug-in (waits for budget or a compilation slot excluded; a failed resolve counts until it failed).");

    internal static void Evicted(string reason, long count, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (count <= 0 || !Evictions.Enabled) return;
        var all = new TagList(tags) { { ExtismTelemetry.ReasonTag, reason } };
        Evictions.Add(count, in all);
    }

    internal static void Compiled(long startTimestamp, bool succeeded, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!CompileDuration.Enabled) return;
        var all = new TagList(tags) { { ExtismTelemetry.OutcomeTag, succeeded ? ExtismTelemetry.Ok : ExtismTelemetry.OtherError } };
        CompileDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, in all);
    }
}

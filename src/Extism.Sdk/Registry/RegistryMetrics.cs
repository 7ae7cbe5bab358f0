using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Extism.Sdk;

/// <summary>
/// The registry's instruments, on the SDK's meter name <c>Extism.Sdk</c>: hits, misses,
/// evictions (tagged <c>extism.reason</c>: instance, pool, module, invalidated) and compile
/// duration in seconds. One set per process, shared by every registry.
/// </summary>
internal static class RegistryMetrics
{
    internal const string MeterName = "Extism.Sdk";
    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Hits = Meter.CreateCounter<long>("extism.registry.hits", "{call}", "Registry calls that found their plug-in compiled.");
    internal static readonly Counter<long> Misses = Meter.CreateCounter<long>("extism.registry.misses", "{call}", "Registry calls that had to wait for a compilation.");
    internal static readonly Counter<long> Evictions = Meter.CreateCounter<long>("extism.registry.evictions", "{eviction}", "Instances, pools and modules the registry disposed to stay within its budgets.");
    internal static readonly Histogram<double> CompileDuration = Meter.CreateHistogram<double>("extism.registry.compile.duration", "s", "Time to resolve and compile a plug-in.");

    internal static void Evicted(string reason, long count = 1)
    {
        if (count > 0 && Evictions.Enabled) Evictions.Add(count, new KeyValuePair<string, object?>("extism.reason", reason));
    }

    internal static void Compiled(long startTimestamp, bool succeeded)
    {
        if (!CompileDuration.Enabled) return;
        CompileDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("extism.outcome", succeeded ? "success" : "failure"));
    }
}

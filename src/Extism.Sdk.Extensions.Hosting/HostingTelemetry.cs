using System.Diagnostics.Metrics;
using System.Reflection;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// The reload counter. Its meter is also named <c>Extism.Sdk</c>, so that subscribing to that
/// one name (e.g. OpenTelemetry's <c>AddMeter("Extism.Sdk")</c>) collects it with the core instruments.
/// </summary>
internal static class HostingTelemetry
{
    private static readonly Meter Meter = new("Extism.Sdk", typeof(HostingTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]);

    /// <summary><c>extism.plugin.reloads</c>: reloads by pool (<c>extism.pool</c>) and outcome (<c>ok</c> or <c>error</c>).</summary>
    internal static readonly Counter<long> Reloads = Meter.CreateCounter<long>(
        "extism.plugin.reloads", "{reload}", "Plug-in reloads by pool and outcome (ok or error; on error the previous generation keeps serving).");

    internal static void Reloaded(string pool, Exception? failure)
    {
        if (!Reloads.Enabled) return;
        Reloads.Add(1, new KeyValuePair<string, object?>("extism.pool", pool), new KeyValuePair<string, object?>("extism.outcome", failure is null ? "ok" : "error"));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>Counts the client's retries by the failure that caused them (metric <c>extism.cluster.retries</c>, tag <c>error.type</c>).</summary>
internal sealed class RetryTypes : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly MeterListener _listener = new();

    internal RetryTypes()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk.Extensions.Orleans" && instrument.Name == "extism.cluster.retries") l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string type = "?";
            foreach (var tag in tags) if (tag.Key == "error.type") type = tag.Value as string ?? "?";
            _counts.AddOrUpdate(type, value, (_, n) => n + value);
        });
        _listener.Start();
    }

    public override string ToString() => _counts.IsEmpty ? "no retries" : string.Join(", ", _counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} × {c.Value}"));

    public void Dispose() => _listener.Dispose();
}

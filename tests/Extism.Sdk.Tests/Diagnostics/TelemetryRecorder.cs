using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xunit;

namespace Extism.Sdk.Tests.Diagnostics;

/// <summary>Telemetry tests listen process-wide, so they run alone: no other test's calls land in their listeners.</summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>Everything the Extism.Sdk meter and activity source emit while it is alive.</summary>
internal sealed class TelemetryRecorder : IDisposable
{
    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        internal string? Tag(string key) => Tags.TryGetValue(key, out object? value) ? value?.ToString() : null;
    }

    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    internal ConcurrentQueue<Measurement> Measurements { get; } = new();
    internal ConcurrentQueue<Activity> Activities { get; } = new();

    internal TelemetryRecorder(bool activities = true)
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk") listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => activities && source.Name == "Extism.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags) copy[tag.Key] = tag.Value;
        Measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, copy));
    }

    internal Measurement[] Of(string instrument) => Measurements.Where(m => m.Instrument == instrument).ToArray();

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }
}

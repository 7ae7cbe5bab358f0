using System.Diagnostics.Metrics;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>
/// Counts the calls silos finished as cancelled (metric <c>extism.cluster.calls</c>, outcome
/// <c>cancelled</c>): recorded only once the registry call on the silo ended, so for a guest that
/// never returns by itself it proves the silo interrupted it. (The grain is reentrant, so the grain
/// answering other calls proves nothing about the one it is running.)
/// </summary>
internal sealed class CancelledCalls : IDisposable
{
    private readonly MeterListener _listener = new();
    private int _count;

    internal CancelledCalls()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk.Extensions.Orleans" && instrument.Name == "extism.cluster.calls") l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "extism.outcome" && tag.Value is "cancelled") Interlocked.Increment(ref _count);
            }
        });
        _listener.Start();
    }

    /// <summary>Waits up to 10 s for <paramref name="expected"/> cancelled calls; returns how many were seen.</summary>
    internal async Task<int> WaitForAsync(int expected)
    {
        for (int i = 0; i < 200 && Volatile.Read(ref _count) < expected; i++) await Task.Delay(50);
        return Volatile.Read(ref _count);
    }

    public void Dispose() => _listener.Dispose();
}

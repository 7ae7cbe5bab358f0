using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Xunit;
using static Extism.Sdk.Tests.Registry.RegistryFixtures;

namespace Extism.Sdk.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class RegistryMetricsTests
{
    [Fact]
    public async Task Hits_misses_evictions_by_reason_and_compile_durations_are_recorded_on_the_sdk_meter()
    {
        var recorded = new ConcurrentQueue<(string Name, double Value, string? Reason, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Extism.Sdk" && instrument.Name.StartsWith("extism.registry.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? reason = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "extism.reason") reason = (string?)tag.Value;
                if (tag.Key == "extism.outcome") outcome = (string?)tag.Value;
            }
            recorded.Enqueue((instrument.Name, value, reason, outcome));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var resolver = new CountingResolver();
        using (var registry = new PluginRegistry(resolver.Resolve, new PluginRegistryOptions { MaxCompiledModules = 1 }))
        {
            await Get(registry, "k1");  // miss
            await Get(registry, "k1");  // hit
            await Get(registry, "k2");  // miss; evicts module k1
            registry.Invalidate("k2");
        }
        listener.Dispose();

        var all = recorded.ToArray();
        Assert.Equal(1, all.Where(m => m.Name == "extism.registry.hits").Sum(m => m.Value));
        Assert.Equal(2, all.Where(m => m.Name == "extism.registry.misses").Sum(m => m.Value));
        Assert.Equal(["module", "invalidated"], all.Where(m => m.Name == "extism.registry.evictions").Select(m => m.Reason));
        var compiles = all.Where(m => m.Name == "extism.registry.compile.duration").ToArray();
        Assert.Equal(2, compiles.Length);
        Assert.All(compiles, m => Assert.True(m.Value > 0 && m.Outcome == "ok"));
    }
}

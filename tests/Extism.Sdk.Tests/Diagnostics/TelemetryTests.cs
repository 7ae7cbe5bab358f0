using System.Diagnostics;
using Xunit;
using Measurement = Extism.Sdk.Tests.Diagnostics.TelemetryRecorder.Measurement;

namespace Extism.Sdk.Tests.Diagnostics;

/// <summary>The Extism.Sdk meter and activity source: names, units, tags and outcomes are a contract.</summary>
[Collection(nameof(TelemetryCollection))]
public class TelemetryTests
{
    private static (string Function, string Outcome)[] Calls(TelemetryRecorder recorder) =>
        recorder.Of("extism.plugin.calls").Select(m => (m.Tag("extism.function")!, m.Tag("extism.outcome")!)).ToArray();

    [Fact]
    public async Task EveryPluginCallRecordsOneCountOneDurationAndOneActivityWithItsOutcome()
    {
        using var recorder = new TelemetryRecorder();
        using var plugin = new Plugin(TestPlugins.Manifest("outcomes"), [], withWasi: false);
        string id = plugin.Id.ToString();
        plugin.Call("busy", BitConverter.GetBytes(10L));                                      // sync, ok
        await plugin.CallAsync("busy", BitConverter.GetBytes(10L));                           // async, ok
        Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []));                    // trap
        Assert.ThrowsAny<ExtismException>(() => plugin.Call("fail_with_message", []));        // guest_error
        Assert.ThrowsAny<ExtismException>(() => plugin.Call("no_such_export", []));           // function_not_found

        Assert.Equal(
            [("busy", "ok"), ("busy", "ok"), ("trap", "trap"), ("fail_with_message", "guest_error"), ("no_such_export", "function_not_found")],
            Calls(recorder));
        Measurement[] durations = recorder.Of("extism.plugin.call.duration");
        Assert.Equal(5, durations.Length);
        Assert.All(durations, d => Assert.Equal("s", d.Unit));
        Assert.All(durations, d => Assert.True(d.Value > 0));
        Assert.Equal("{call}", recorder.Of("extism.plugin.calls")[0].Unit);

        Activity[] activities = [.. recorder.Activities];
        Assert.Equal(5, activities.Length);
        Assert.All(activities, a =>
        {
            Assert.Equal("extism.call", a.OperationName);
            Assert.Equal("extism.call " + a.GetTagItem("extism.function"), a.DisplayName);
            Assert.Equal(id, a.GetTagItem("extism.plugin.id"));
        });
        Activity trap = activities.Single(a => (string?)a.GetTagItem("extism.function") == "trap");
        Assert.Equal("trap", trap.GetTagItem("extism.outcome"));
        Assert.Equal(ActivityStatusCode.Error, trap.Status);
        Assert.Contains(trap.Events, e => e.Name == "exception" && e.Tags.Any(t => t.Key == "exception.type" && (string?)t.Value == typeof(ExtismTrapException).FullName));
        Activity ok = activities.First(a => (string?)a.GetTagItem("extism.function") == "busy");
        Assert.Equal("ok", ok.GetTagItem("extism.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, ok.Status);
    }

    [Fact]
    public void HostFunctionCallsAreCountedAndTracedOnlyWhenSwitchedOn()
    {
        using var recorder = new TelemetryRecorder();
        bool fail = false;
        var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => fail ? throw new InvalidOperationException("no") : v + 1);
        using var plugin = TestPlugins.Load("host_loop", false, addOne);
        plugin.Call("loop", BitConverter.GetBytes(3L));
        fail = true;
        Assert.ThrowsAny<ExtismException>(() => plugin.Call("loop", BitConverter.GetBytes(3L)));

        var hostCalls = recorder.Of("extism.host_function.calls").Select(m => (m.Tag("extism.host_function"), m.Tag("extism.outcome"))).ToArray();
        Assert.Equal([("add_one", "ok"), ("add_one", "ok"), ("add_one", "ok"), ("add_one", "host_function")], hostCalls);
        Assert.Equal([("loop", "ok"), ("loop", "host_function")], Calls(recorder));
        Assert.DoesNotContain(recorder.Activities, a => a.OperationName == "extism.host_call");

        ExtismRuntime.TraceHostFunctions = true;
        try
        {
            fail = false;
            plugin.Call("loop", BitConverter.GetBytes(2L));
        }
        finally
        {
            ExtismRuntime.TraceHostFunctions = false;
        }
        Activity[] children = recorder.Activities.Where(a => a.OperationName == "extism.host_call").ToArray();
        Assert.Equal(2, children.Length);
        Activity parent = recorder.Activities.Last(a => a.OperationName == "extism.call");
        Assert.All(children, c =>
        {
            Assert.Equal(parent.SpanId, c.ParentSpanId);
            Assert.Equal("extism.host_call add_one", c.DisplayName);
        });
    }

    [Fact]
    public void ACancelledCallHasOutcomeCancelled()
    {
        using var recorder = new TelemetryRecorder();
        using var cts = new CancellationTokenSource();
        // Cancel from inside the export (the first host call), so the cancel cannot land before the call starts.
        var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, v) =>
        {
            cts.Cancel();
            return v + 1;
        });
        using var plugin = TestPlugins.Load("host_loop", false, addOne);
        Assert.ThrowsAny<OperationCanceledException>(() => plugin.Call("loop", BitConverter.GetBytes(long.MaxValue), cts.Token));
        Assert.Equal([("loop", "cancelled")], Calls(recorder));
    }

    [Fact]
    public void PoolCallsRecordOneCallEachAndThePoolsInstruments()
    {
        using var recorder = new TelemetryRecorder();
        using (var pool = new PluginPool(TestPlugins.Manifest("echo"), [], null, new PluginPoolOptions { MaxSize = 2, Name = "telemetry-pool" }))
        {
            for (int i = 0; i < 3; i++) pool.Call("echo", "hi");
            using (var lease = pool.Rent()) lease.Plugin.Call("noop", []);
        }
        Assert.Equal([("echo", "ok"), ("echo", "ok"), ("echo", "ok"), ("noop", "ok")], Calls(recorder));
        Assert.Equal(4, recorder.Activities.Count(a => a.OperationName == "extism.call"));

        Measurement[] rents = recorder.Of("extism.pool.rent.duration");
        Assert.Equal(4, rents.Length);
        Assert.All(rents, r => Assert.Equal("telemetry-pool", r.Tag("extism.pool")));
        Measurement[] states = recorder.Of("extism.pool.instances");
        Assert.All(states, s => Assert.Equal("telemetry-pool", s.Tag("extism.pool")));
        Assert.Contains(states, s => s.Tag("extism.state") == "idle");
        Assert.Contains(states, s => s.Tag("extism.state") == "in_use");
        // Disposed: nothing idle, nothing in use.
        Assert.Equal(0, states.Where(s => s.Tag("extism.state") == "idle").Sum(s => s.Value));
        Assert.Equal(0, states.Where(s => s.Tag("extism.state") == "in_use").Sum(s => s.Value));
        Measurement[] instances = recorder.Of("extism.plugin.instances");
        Assert.Equal(1, instances.Count(m => m.Value == 1));
        Assert.Equal(0, instances.Sum(m => m.Value));
        Assert.All(instances, m => Assert.Equal("{instance}", m.Unit));
    }

    [Fact]
    public void OutcomesAreTheErrorKindsInSnakeCase()
    {
        Assert.Equal("ok", Sdk.Diagnostics.ExtismTelemetry.Outcome(null));
        Assert.Equal("cancelled", Sdk.Diagnostics.ExtismTelemetry.Outcome(new OperationCanceledException()));
        Assert.Equal("fuel_exhausted", Sdk.Diagnostics.ExtismTelemetry.Outcome(new ExtismFuelExhaustedException("x", 1)));
        Assert.Equal("non_zero_return_code", Sdk.Diagnostics.ExtismTelemetry.Outcome(new ExtismException("x", ExtismErrorKind.NonZeroReturnCode, 1)));
        Assert.Equal("error", Sdk.Diagnostics.ExtismTelemetry.Outcome(new ArgumentException()));
        Assert.Equal("Extism.Sdk", Sdk.Diagnostics.ExtismTelemetry.Source.Name);
        Assert.False(string.IsNullOrEmpty(Sdk.Diagnostics.ExtismTelemetry.Meter.Version));
        Assert.Equal(Sdk.Diagnostics.ExtismTelemetry.Meter.Version, Sdk.Diagnostics.ExtismTelemetry.Source.Version);
    }
}

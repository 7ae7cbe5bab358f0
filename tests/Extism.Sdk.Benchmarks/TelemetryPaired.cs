using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// <c>--telemetry</c>: what the Extism.Sdk meter and activity source cost, paired in one process.
/// Three ways to make the same call, in alternating batches (order rotated every round), timed in
/// this thread's CPU time; the figures are medians of per-round ratios:
/// <list type="bullet">
/// <item><c>untraced</c>: the call path with its telemetry step skipped (<c>traced: false</c>, as
/// before telemetry existed, except for an inert struct and an exception filter);</item>
/// <item><c>idle</c>: the normal path with nobody listening (what every user pays);</item>
/// <item><c>listening</c>: a MeterListener on every Extism.Sdk instrument and an ActivityListener
/// sampling every activity, both attached only around these batches.</item>
/// </list>
/// P3 measures host-loop calls (1000 host calls each): there the host-function counter's check
/// runs in all three modes, so idle/untraced shows only the call-level part of its cost.
/// Prints "case&lt;TAB&gt;untraced_ns&lt;TAB&gt;idle_ns&lt;TAB&gt;listening_ns&lt;TAB&gt;idle/untraced&lt;TAB&gt;listening/idle".
/// </summary>
internal static class TelemetryPaired
{
    private struct LengthConsumer : IOutputConsumer
    {
        public int Length;
        public void Consume(ReadOnlySpan<byte> output) => Length = output.Length;
    }

    private delegate void Body(bool traced);

    public static int Run(bool quick)
    {
        int rounds = quick ? 9 : 41;
        double batchNs = quick ? 10e6 : 20e6;
        using var echo = new Plugin(Inputs.ManifestFor("echo.wasm"), [], withWasi: false);
        var addOne = HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1);
        using var loop = new Plugin(Inputs.ManifestFor("host_loop.wasm"), [addOne], withWasi: false);
        byte[] n1000 = Inputs.U64(1000);

        Console.WriteLine("# case\tuntraced_ns\tidle_ns\tlistening_ns\tidle/untraced\tlistening/idle");
        Measure("P1_Noop", rounds, batchNs, traced =>
        {
            var consumer = new LengthConsumer();
            echo.CallCore("noop", ReadOnlySpan<byte>.Empty, null, default, ref consumer, traced);
        });
        Measure("P3_HostLoop_N1000", rounds, batchNs, traced =>
        {
            var consumer = new LengthConsumer();
            loop.CallCore("loop", n1000, null, default, ref consumer, traced);
        });
        return 0;
    }

    private static void Measure(string name, int rounds, double batchNs, Body body)
    {
        // Warm all three paths (tiered JIT) and size a batch to about batchNs.
        long until = Environment.TickCount64 + 400;
        while (Environment.TickCount64 < until)
        {
            body(false);
            body(true);
            using (Listen()) body(true);
        }
        long iterations = 1;
        while (Batch(body, false, iterations) < batchNs / 10) iterations *= 2;
        iterations = Math.Max(1, (long)(batchNs * iterations / Batch(body, false, iterations)));

        var untraced = new List<double>();
        var idle = new List<double>();
        var listening = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < 3; k++)
            {
                switch ((r + k) % 3)
                {
                    case 0: untraced.Add(Batch(body, false, iterations) / iterations); break;
                    case 1: idle.Add(Batch(body, true, iterations) / iterations); break;
                    default:
                        using (Listen()) listening.Add(Batch(body, true, iterations) / iterations);
                        break;
                }
            }
        }
        double idleRatio = Median(idle.Zip(untraced, (a, b) => a / b).ToList());
        double listenRatio = Median(listening.Zip(idle, (a, b) => a / b).ToList());
        Console.WriteLine($"{name}\t{Median(untraced):0.0}\t{Median(idle):0.0}\t{Median(listening):0.0}\t{idleRatio:0.0000}\t{listenRatio:0.0000}");
    }

    private static double Batch(Body body, bool traced, long iterations)
    {
        double start = ThreadCpuNs();
        for (long i = 0; i < iterations; i++) body(traced);
        return ThreadCpuNs() - start;
    }

    /// <summary>Listeners on everything Extism.Sdk emits, doing the least a real exporter does (counting).</summary>
    private static IDisposable Listen()
    {
        long seen = 0;
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Extism.Sdk") listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, _, _) => seen++);
        meters.SetMeasurementEventCallback<double>((_, _, _, _) => seen++);
        meters.Start();
        var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Extism.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => seen++,
        };
        ActivitySource.AddActivityListener(activities);
        return new Both(meters, activities);
    }

    private sealed class Both(MeterListener meters, ActivityListener activities) : IDisposable
    {
        public void Dispose()
        {
            meters.Dispose();
            activities.Dispose();
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    private static double ThreadCpuNs()
    {
        const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux
        ClockGetTime(ThreadCpuTime, out Timespec t);
        return t.Seconds * 1e9 + t.Nanoseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}

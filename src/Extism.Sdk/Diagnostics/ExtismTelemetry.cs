using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Extism.Sdk.Diagnostics;

/// <summary>
/// The SDK's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named
/// <c>Extism.Sdk</c>, and the instruments on them. Instrument names, units and tags are a
/// contract (dashboards and tests match them): change none of them.
/// </summary>
/// <remarks>
/// Every recording helper first asks whether anyone listens (<see cref="Instrument.Enabled"/>,
/// <see cref="ActivitySource.HasListeners"/>) and returns at once when nobody does, so that a
/// process without telemetry pays two volatile reads per call and allocates nothing. Tag values
/// are cached strings; tags go through the <c>KeyValuePair</c> overloads, which do not allocate.
/// </remarks>
internal static class ExtismTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    internal const string Name = "Extism.Sdk";

    internal const string FunctionTag = "extism.function";
    internal const string OutcomeTag = "extism.outcome";
    internal const string PluginIdTag = "extism.plugin.id";
    internal const string HostFunctionTag = "extism.host_function";
    internal const string PoolTag = "extism.pool";
    internal const string StateTag = "extism.state";
    internal const string ReasonTag = "extism.reason";

    internal const string CallActivityName = "extism.call";
    internal const string HostCallActivityName = "extism.host_call";

    /// <summary>The package version (informational version without the source revision).</summary>
    internal static readonly string? Version = ReadVersion();

    internal static readonly Meter Meter = new(Name, Version);
    internal static readonly ActivitySource Source = new(Name, Version);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "extism.plugin.calls", "{call}", "Plug-in export calls, by function and outcome.");

    internal static readonly Histogram<double> CallDuration = Seconds(
        "extism.plugin.call.duration", "Duration of plug-in export calls.");

    internal static readonly Counter<long> HostCalls = Meter.CreateCounter<long>(
        "extism.host_function.calls", "{call}", "Host function calls made by plug-ins, by host function and outcome.");

    internal static readonly UpDownCounter<long> Instances = Meter.CreateUpDownCounter<long>(
        "extism.plugin.instances", "{instance}", "Live native plug-in instances.");

    internal static readonly Counter<long> Recycles = Meter.CreateCounter<long>(
        "extism.plugin.recycles", "{instance}", "Instances replaced after a failure left them unusable, by reason.");

    internal static readonly Histogram<double> RentDuration = Seconds(
        "extism.pool.rent.duration", "Time spent waiting for (and creating) a pool instance.");

    internal static readonly UpDownCounter<long> PoolInstances = Meter.CreateUpDownCounter<long>(
        "extism.pool.instances", "{instance}", "Pool instances, by pool and state (idle or in_use).");

    internal static readonly Counter<long> WorkerRestarts = Meter.CreateCounter<long>(
        "extism.worker.restarts", "{worker}", "Worker processes of isolated pools that died or were killed (and are replaced on demand), by pool and reason.");

    internal static readonly KeyValuePair<string, object?> IdleState = new(StateTag, "idle");
    internal static readonly KeyValuePair<string, object?> InUseState = new(StateTag, "in_use");

    /// <summary>Host-function child activities cost an activity per host call; off unless switched on.</summary>
    internal static bool TraceHostFunctions { get; set; } =
        AppContext.TryGetSwitch("Extism.Sdk.TraceHostFunctions", out bool enabled) && enabled;

    private static readonly string[] KindOutcomes = BuildKindOutcomes();

    internal const string Ok = "ok";
    internal const string Cancelled = "cancelled";
    internal const string OtherError = "error";

    /// <summary>
    /// The <c>extism.outcome</c> value: <c>ok</c>, <c>cancelled</c> for a token or
    /// <see cref="Plugin.Cancel"/>, the <see cref="ExtismErrorKind"/> in snake_case for
    /// libextism's and the guest's failures, <c>error</c> for anything else (bad arguments, disposed).
    /// </summary>
    internal static string Outcome(Exception? failure) => failure switch
    {
        null => Ok,
        OperationCanceledException => Cancelled,
        ExtismException e => (uint)e.Kind < (uint)KindOutcomes.Length ? KindOutcomes[(int)e.Kind] : OtherError,
        _ => OtherError,
    };

    /// <summary>Records the start of a call when anyone listens; otherwise returns an inert scope.</summary>
    // Inlined into every call path: three reads and no call when nobody listens.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CallScope StartCall(string functionName, Plugin plugin) =>
        Calls.Enabled | CallDuration.Enabled | Source.HasListeners() ? StartListenedCall(functionName, plugin) : default;

    private static CallScope StartListenedCall(string functionName, Plugin plugin)
    {
        bool metrics = Calls.Enabled | CallDuration.Enabled;
        Activity? activity = Source.HasListeners() ? StartCallActivity(functionName, plugin) : null;
        if (!metrics && activity is null) return default;
        return new CallScope(functionName, Stopwatch.GetTimestamp(), activity, metrics);
    }

    private static Activity? StartCallActivity(string functionName, Plugin plugin)
    {
        Activity? activity = Source.StartActivity(CallActivityName, ActivityKind.Internal);
        if (activity is null) return null;
        activity.DisplayName = DisplayNames.For(functionName);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(FunctionTag, functionName);
            activity.SetTag(PluginIdTag, plugin.Id.ToString());
        }
        return activity;
    }

    /// <summary>Counts one host-function call (and ends its child activity, if one was started).</summary>
    // Inlined into the trampoline, which runs on every host call: one read and no call when
    // nobody listens; the recording itself stays out of line.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void HostCallCompleted(HostFunction function, Activity? activity, Exception? failure)
    {
        if (HostCalls.Enabled || activity is not null) RecordHostCall(function, activity, failure);
    }

    private static void RecordHostCall(HostFunction function, Activity? activity, Exception? failure)
    {
        string outcome = failure is null ? Ok : KindOutcomes[(int)ExtismErrorKind.HostFunction];
        if (HostCalls.Enabled)
        {
            HostCalls.Add(1, new KeyValuePair<string, object?>(HostFunctionTag, function.Name), new KeyValuePair<string, object?>(OutcomeTag, outcome));
        }
        if (activity is not null) Finish(activity, outcome, failure);
    }

    /// <summary>A child activity for a host call, only when switched on and someone listens.</summary>
    // Inlined like HostCallCompleted: with host-call tracing off (the default) it is one read.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Activity? StartHostCall(HostFunction function) => TraceHostFunctions ? StartHostCallActivity(function) : null;

    private static Activity? StartHostCallActivity(HostFunction function)
    {
        if (!Source.HasListeners()) return null;
        Activity? activity = Source.StartActivity(HostCallActivityName, ActivityKind.Internal);
        if (activity is null) return null;
        activity.DisplayName = DisplayNames.ForHost(function.Name);
        if (activity.IsAllDataRequested) activity.SetTag(HostFunctionTag, function.Name);
        return activity;
    }

    internal static void InstanceCreated()
    {
        if (Instances.Enabled) Instances.Add(1);
    }

    internal static void InstanceDisposed()
    {
        if (Instances.Enabled) Instances.Add(-1);
    }

    /// <summary>Counts an instance replaced after a failure, with why (<c>extism.reason</c>).</summary>
    internal static void InstanceRecycled(string reason)
    {
        if (Recycles.Enabled) Recycles.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
    }

    private static readonly string[] WorkerReasons = Enum.GetValues<WorkerExitReason>().Select(r => SnakeCase(r.ToString())).ToArray();

    /// <summary>Counts a worker process that died or was killed, with why (<c>extism.reason</c>: crashed, hung, memory_limit, killed, start_failed, cpu_limit).</summary>
    internal static void WorkerRestarted(string pool, WorkerExitReason reason)
    {
        if (WorkerRestarts.Enabled)
        {
            WorkerRestarts.Add(1, new KeyValuePair<string, object?>(PoolTag, pool), new KeyValuePair<string, object?>(ReasonTag, WorkerReasons[(int)reason]));
        }
    }

    internal static void Finish(Activity activity, string outcome, Exception? failure)
    {
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(OutcomeTag, outcome);
            if (failure is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, failure.Message);
                AddException(activity, failure);
            }
        }
        activity.Dispose();
    }

    private static void AddException(Activity activity, Exception failure)
    {
#if NET9_0_OR_GREATER
        activity.AddException(failure);
#else
        // The OpenTelemetry semantic convention for an exception event, as .NET 9's AddException writes it.
        var tags = new ActivityTagsCollection
        {
            { "exception.type", failure.GetType().FullName },
            { "exception.message", failure.Message },
            { "exception.stacktrace", failure.ToString() },
        };
        activity.AddEvent(new ActivityEvent("exception", default, tags));
#endif
    }

    /// <summary>
    /// A histogram in seconds. Exporters' default buckets (0, 5, 10, 25, ... 10000) suit
    /// milliseconds; plug-in calls take microseconds to seconds, so on .NET 9+ the instrument
    /// advises buckets from 10 µs to 10 s (on .NET 8 configure them in the exporter).
    /// </summary>
    private static Histogram<double> Seconds(string name, string description)
    {
#if NET9_0_OR_GREATER
        return Meter.CreateHistogram<double>(name, "s", description, tags: null, advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });
#else
        return Meter.CreateHistogram<double>(name, "s", description);
#endif
    }

    private static string[] BuildKindOutcomes()
    {
        ExtismErrorKind[] kinds = Enum.GetValues<ExtismErrorKind>();
        var names = new string[kinds.Max(k => (int)k) + 1];
        for (int i = 0; i < names.Length; i++) names[i] = OtherError;
        foreach (ExtismErrorKind kind in kinds) names[(int)kind] = SnakeCase(kind.ToString());
        return names;
    }

    /// <summary><c>FuelExhausted</c> → <c>fuel_exhausted</c>.</summary>
    internal static string SnakeCase(string pascal)
    {
        var text = new System.Text.StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0) text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    private static string? ReadVersion()
    {
        string? version = typeof(ExtismTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (version is null) return typeof(ExtismTelemetry).Assembly.GetName().Version?.ToString();
        int plus = version.IndexOf('+');
        return plus < 0 ? version : version[..plus];
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Extism.Sdk.Diagnostics;

/// <summary>
/// One call's telemetry, from <see cref="ExtismTelemetry.StartCall"/> to <see cref="Complete"/>.
/// <c>default</c> (nobody listening) does nothing. A struct, so a call allocates nothing for it.
/// </summary>
internal readonly struct CallScope
{
    private readonly string? _function;
    private readonly long _started;
    private readonly Activity? _activity;
    private readonly bool _metrics;

    internal CallScope(string function, long started, Activity? activity, bool metrics)
    {
        _function = function;
        _started = started;
        _activity = activity;
        _metrics = metrics;
    }

    /// <summary>For an exception filter: records the failure and returns false, so the exception passes untouched.</summary>
    internal bool Failed(Exception failure)
    {
        Complete(failure);
        return false;
    }

    /// <summary>Records one call, its duration and its outcome; ends the activity (status Error with an exception event on failure).</summary>
    // Inlined into every call path: when nobody listens this is one null test, not a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Complete(Exception? failure)
    {
        if (_function is not null) Record(failure);
    }

    private void Record(Exception? failure)
    {
        string outcome = ExtismTelemetry.Outcome(failure);
        if (_metrics)
        {
            var function = new KeyValuePair<string, object?>(ExtismTelemetry.FunctionTag, _function);
            var result = new KeyValuePair<string, object?>(ExtismTelemetry.OutcomeTag, outcome);
            ExtismTelemetry.Calls.Add(1, function, result);
            ExtismTelemetry.CallDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, function, result);
        }
        if (_activity is not null) ExtismTelemetry.Finish(_activity, outcome, failure);
    }
}

/// <summary>"extism.call {function}" display names, made once per function name (bounded).</summary>
internal static class DisplayNames
{
    // Function names come from code, so there are few; the bound only guards against a caller
    // that makes names up per call.
    private const int Limit = 1024;
    private static readonly ConcurrentDictionary<string, string> Calls = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> HostCalls = new(StringComparer.Ordinal);

    internal static string For(string function) => Get(Calls, ExtismTelemetry.CallActivityName, function);

    internal static string ForHost(string function) => Get(HostCalls, ExtismTelemetry.HostCallActivityName, function);

    private static string Get(ConcurrentDictionary<string, string> cache, string prefix, string function)
    {
        if (cache.TryGetValue(function, out string? name)) return name;
        name = prefix + " " + function;
        if (cache.Count < Limit) cache.TryAdd(function, name);
        return name;
    }
}

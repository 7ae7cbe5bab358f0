using System.Diagnostics;

namespace Extism.Sdk.Diagnostics;

/// <summary>
/// One pool's instruments: rent duration and instances by state, tagged <c>extism.pool</c> with
/// the pool's name (built once, here). Every method returns at once when nobody listens.
/// </summary>
internal sealed class PoolTelemetry(string name)
{
    private readonly KeyValuePair<string, object?> _pool = new(ExtismTelemetry.PoolTag, name);

    internal string Name => name;

    /// <summary>A timestamp to hand to <see cref="Rented"/>, or 0 when nobody listens to rent durations.</summary>
    internal static long StartRent() => ExtismTelemetry.RentDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    internal void Rented(long started)
    {
        if (started != 0) ExtismTelemetry.RentDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _pool);
    }

    /// <summary>An instance moved between idle and in use, or appeared (+1) or went (-1) in one state.</summary>
    internal void Changed(int idle, int inUse)
    {
        if (!ExtismTelemetry.PoolInstances.Enabled) return;
        if (idle != 0) ExtismTelemetry.PoolInstances.Add(idle, _pool, ExtismTelemetry.IdleState);
        if (inUse != 0) ExtismTelemetry.PoolInstances.Add(inUse, _pool, ExtismTelemetry.InUseState);
    }
}

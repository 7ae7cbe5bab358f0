namespace Extism.Sdk;

/// <summary>
/// How the instances of a <see cref="PluginPool"/> are kept apart. libextism interrupts every
/// instance of one engine together: a cancellation or manifest timeout of one call also stops
/// every other call that is running on an instance of the same engine at that moment.
/// </summary>
/// <remarks>
/// Why <see cref="SharedEngine"/> is the default: repeating costs nothing until an interruption
/// actually happens, while a separate engine per slot costs on every pool, and the cost grows
/// with the plug-in and the pool. Measured for a pool of 8 (libextism 1.41.0, linux-x64, 2 cores,
/// time until every slot had made a call): a 2.5 KB plug-in, 9-29 ms and +1.7 MiB RSS shared
/// against 12-22 ms and +2.8 MiB separate (about 140 KiB per extra engine); an 835 KB plug-in with
/// 4000 functions, 68-106 ms and +16 MiB against 164-233 ms and +37 MiB (about 3 MiB and 15 ms
/// per extra engine) with wasmtime's compilation cache warm (libextism's default), and 0.85 s
/// against 8.2 s without that cache (a full compilation per slot). Managed memory is the same
/// (about 10 KiB) either way. Choose <see cref="EnginePerInstance"/> when calls must never run
/// twice (host functions with side effects) and cancellations or timeouts are expected.
/// </remarks>
public enum PluginPoolIsolation
{
    /// <summary>
    /// All instances share one engine (one compilation; the cheapest in memory and start-up).
    /// A call stopped by another caller's cancellation or timeout is discarded and repeated,
    /// with the same input, on a fresh instance, up to <see cref="PluginPoolOptions.MaxInterruptionRetries"/>
    /// times. So a plug-in call (and the host functions it calls) may run more than once, but
    /// only when it was interrupted on someone else's behalf. The default.
    /// </summary>
    SharedEngine = 0,

    /// <summary>
    /// Every instance slot gets its own engine, compiled from the manifest: an interruption
    /// never crosses from one call to another and nothing is repeated. Costs one compilation and
    /// the compiled code's memory per slot. Only for pools created from a <see cref="Manifest"/>.
    /// </summary>
    EnginePerInstance = 1,
}

/// <summary>
/// Settings of a <see cref="PluginPool"/>. The pool copies them when it is created; changing
/// this object afterwards has no effect on it.
/// </summary>
public sealed class PluginPoolOptions
{
    /// <summary>The most instances the pool holds at once (idle and rented). At least 1. Default: the processor count.</summary>
    public int MaxSize { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// How long a caller waits for a free instance before a <see cref="TimeoutException"/>;
    /// null (the default) waits as long as it takes (a cancellation token still ends the wait).
    /// <see cref="TimeSpan.Zero"/> never waits.
    /// </summary>
    public TimeSpan? RentTimeout { get; set; }

    /// <summary>How instances are kept apart; see <see cref="PluginPoolIsolation"/>. Default <see cref="PluginPoolIsolation.SharedEngine"/>.</summary>
    public PluginPoolIsolation Isolation { get; set; } = PluginPoolIsolation.SharedEngine;

    /// <summary>
    /// With a shared engine: how many times one pool call is repeated after being interrupted on
    /// another caller's behalf, before it fails with an <see cref="ExtismException"/> of kind
    /// <see cref="ExtismErrorKind.Cancelled"/> that says so. 0 turns repeating off. Default 3.
    /// </summary>
    public int MaxInterruptionRetries { get; set; } = 3;

    /// <summary>
    /// The pool's name in metrics (the <c>extism.pool</c> tag of <c>extism.pool.*</c> instruments).
    /// Null (the default) names it <c>default</c>. Keep names few and fixed: each is a time series.
    /// </summary>
    public string? Name { get; set; }

    internal static int ToMilliseconds(TimeSpan? wait)
    {
        if (wait is not { } value || value == Timeout.InfiniteTimeSpan) return Timeout.Infinite;
        if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RentTimeout), value, "RentTimeout must not be negative (null waits without limit).");
        return (int)Math.Min(Math.Ceiling(value.TotalMilliseconds), int.MaxValue - 1);
    }
}

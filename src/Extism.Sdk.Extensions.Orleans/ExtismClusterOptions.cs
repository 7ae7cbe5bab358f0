namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// How <see cref="ExtismPluginCluster"/> routes and retries. Read once when the cluster client is
/// made; configuration section <c>Extism:Cluster</c> by convention (see <c>AddExtismPluginClient</c>).
/// </summary>
public sealed class ExtismClusterOptions
{
    /// <summary>
    /// Keys spread over several grains (shards), each placed on its own silo by Orleans, so that a
    /// very hot key uses more than one silo's cores: key → number of shards (2 or more). A call
    /// picks a shard at random. Each shard compiles the plug-in on the silo it lives on, so a key
    /// spread over N shards costs up to N compilations and N silos' memory. Keys not listed have one grain.
    /// </summary>
    public Dictionary<string, int> Shards { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Most attempts of one call when it fails transiently (a silo died or stopped, a message was
    /// rejected or timed out; see <see cref="ExtismPluginCluster.IsTransient"/>). Default 3; 1 never retries.
    /// A retried call may have run before its silo died: plug-in calls are at-least-once with retries.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the first retry, doubled for each next one. Default 200 ms (Orleans needs a moment to notice a dead silo).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Longest wait for one attempt's answer before it counts as a transient failure and is tried
    /// again; null (the default) leaves it to Orleans' response timeout (30 s by default). Set it
    /// when a silo's death must cost callers less than that: a call whose message was on its way
    /// to a silo that then died gets no answer and no error until one of the two runs out. It must
    /// exceed the longest plug-in call you allow (the manifest's timeout), or slow calls are retried.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>The number of shards of <paramref name="key"/>: its <see cref="Shards"/> entry, else 1.</summary>
    public int ShardsOf(string key) => Shards.TryGetValue(key, out int n) ? n : 1;

    /// <summary>Checks every setting; the client calls it when it is made.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "ExtismClusterOptions.MaxAttempts must be at least 1.");
        if (AttemptTimeout is { } attempt && attempt <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), attempt, "ExtismClusterOptions.AttemptTimeout must be positive (null for Orleans' response timeout).");
        if (RetryDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "ExtismClusterOptions.RetryDelay must not be negative.");
        foreach ((string key, int n) in Shards)
        {
            if (n < 1 || n > 1024) throw new ArgumentOutOfRangeException(nameof(Shards), n, $"ExtismClusterOptions.Shards['{key}'] must be between 1 and 1024.");
        }
    }
}

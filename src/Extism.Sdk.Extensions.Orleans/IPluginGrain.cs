namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// The grain for one plug-in key: activated on one silo at a time, it calls the plug-in through
/// that silo's <see cref="PluginRegistry"/>, so the plug-in is compiled and kept where the grain
/// lives and released when the grain deactivates. The grain's key is a compound key: the integer
/// is the shard (0 unless the key is spread, see <see cref="ExtismClusterOptions.Shards"/>) and the
/// extension is the plug-in key, e.g. <c>tenant/plugin@version</c>. Most callers use
/// <see cref="ExtismPluginCluster"/>, which picks the shard, retries transient failures and speaks JSON.
/// </summary>
/// <remarks>
/// The grain is reentrant: calls to one key run at the same time, up to the registry's
/// <see cref="PluginRegistryOptions.MaxInstancesPerPlugin"/> instances (more wait for one).
/// Failures reach the caller as <see cref="PluginCallException"/> (or
/// <see cref="OperationCanceledException"/> when the caller's token fired).
/// </remarks>
[Alias("Extism.IPluginGrain")]
public interface IPluginGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Calls <paramref name="functionName"/> with <paramref name="input"/> and returns the plug-in's output, which the caller owns.</summary>
    /// <param name="functionName">Export of the plug-in's main module.</param>
    /// <param name="input">The input; not changed, and not copied for a call inside one silo, so the caller must not change it until the task completes.</param>
    /// <param name="cancellationToken">Ends the waits for compilation, budget or an instance, or interrupts the call, on the silo too.</param>
    /// <exception cref="PluginCallException">The call failed; <see cref="PluginCallException.Failure"/> says how.</exception>
    [Alias("Call")]
    Task<byte[]> CallAsync(string functionName, [Immutable] byte[] input, CancellationToken cancellationToken = default);

    /// <summary>Calls with UTF-8 text and returns the output decoded as UTF-8.</summary>
    /// <inheritdoc cref="CallAsync(string, byte[], CancellationToken)"/>
    [Alias("CallText")]
    Task<string> CallTextAsync(string functionName, string input, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the compiled plug-in on the silo holding this activation and deactivates the grain,
    /// so the next call resolves and compiles the key again (wherever the grain is placed next).
    /// Calls already running finish on the old plug-in.
    /// </summary>
    [Alias("Invalidate")]
    Task InvalidateAsync();

    /// <summary>Where this activation lives and what it holds (for diagnostics, samples and tests).</summary>
    [Alias("Status")]
    Task<PluginGrainStatus> GetStatusAsync();
}

/// <summary>What <see cref="IPluginGrain.GetStatusAsync"/> reports: a snapshot, copied to the caller.</summary>
[GenerateSerializer, Immutable, Alias("Extism.PluginGrainStatus")]
public sealed record PluginGrainStatus
{
    /// <summary>The plug-in key.</summary>
    [Id(0)] public required string Key { get; init; }

    /// <summary>The shard of the key this activation serves (0 for a key that is not spread).</summary>
    [Id(1)] public long Shard { get; init; }

    /// <summary>Name of the silo holding the activation.</summary>
    [Id(2)] public required string Silo { get; init; }

    /// <summary>Address of the silo holding the activation.</summary>
    [Id(3)] public required string SiloAddress { get; init; }

    /// <summary>True when the silo's registry holds the plug-in compiled, so a call would not compile.</summary>
    [Id(4)] public bool Compiled { get; init; }

    /// <summary>Calls this activation served (succeeded or failed).</summary>
    [Id(5)] public long Calls { get; init; }
}

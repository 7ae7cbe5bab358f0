using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Orleans.Runtime;

namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// Calls plug-ins by key on an Orleans cluster, from a client or from a silo: routes each call to
/// the key's grain (or to one of its shards, see <see cref="ExtismClusterOptions.Shards"/>),
/// retries transient failures up to <see cref="ExtismClusterOptions.MaxAttempts"/>, and speaks
/// bytes, text and source-generated JSON. Registered as a singleton by <c>AddExtismPluginClient</c>
/// or <c>AddExtismPlugins</c>; safe to use from any number of threads.
/// </summary>
public sealed class ExtismPluginCluster
{
    private readonly IGrainFactory _grains;
    private readonly ExtismClusterOptions _options;
    private long _retries;

    // Doubling stops here: by then Orleans has declared a dead silo dead (seconds with its defaults).
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Creates the client over <paramref name="grains"/>; <paramref name="options"/> is validated and read now.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ExtismPluginCluster(IGrainFactory grains, ExtismClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _grains = grains;
        _options = options;
    }

    /// <summary>Attempts this client retried after a transient failure, since it was made (also the metric <c>extism.cluster.retries</c>).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>The grain for shard <paramref name="shard"/> of <paramref name="key"/> (0 for a key that is not spread).</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    public IPluginGrain GetGrain(string key, long shard = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return _grains.GetGrain<IPluginGrain>(shard, key, null);
    }

    /// <summary>Calls <paramref name="functionName"/> of the plug-in for <paramref name="key"/> on the silo its grain lives on; the output is the caller's.</summary>
    /// <param name="key">The plug-in key.</param>
    /// <param name="functionName">Export of the plug-in's main module.</param>
    /// <param name="input">The input; copied before the call.</param>
    /// <param name="cancellationToken">Ends the call, on the silo too, and the waits between attempts.</param>
    /// <exception cref="PluginCallException">The call failed, or failed transiently on every attempt.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public Task<byte[]> CallAsync(string key, string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        byte[] bytes = input.ToArray();
        return RetryAsync(key, (functionName, bytes), static (grain, s, token) => grain.CallAsync(s.functionName, s.bytes, token), cancellationToken);
    }

    /// <summary>Calls with UTF-8 text and returns the output decoded as UTF-8.</summary>
    /// <inheritdoc cref="CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<string> CallAsync(string key, string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentNullException.ThrowIfNull(input);
        return RetryAsync(key, (functionName, input), static (grain, s, token) => grain.CallTextAsync(s.functionName, s.input, token), cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="input"/> as JSON and reads the output as JSON, both with source-generated
    /// metadata on the caller's side (the silo sees bytes). An empty output gives default.
    /// </summary>
    /// <inheritdoc cref="CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public async Task<TOutput?> CallAsync<TInput, TOutput>(string key, string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        byte[] output = await CallAsync(key, functionName, JsonSerializer.SerializeToUtf8Bytes(input, inputJsonInfo), cancellationToken).ConfigureAwait(false);
        return output.Length == 0 ? default : JsonSerializer.Deserialize(output, outputJsonInfo);
    }

    /// <summary>
    /// Makes every silo forget <paramref name="key"/> (each of its shards): the next call resolves and
    /// compiles it again. Calls already running finish on the old plug-in.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    public Task InvalidateAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        int shards = _options.ShardsOf(key);
        return Task.WhenAll(Enumerable.Range(0, shards).Select(shard =>
            RetryAsync(key, 0, static async (grain, _, _) =>
            {
                await grain.InvalidateAsync().ConfigureAwait(false);
                return true;
            }, cancellationToken, shard)));
    }

    /// <summary>
    /// True for failures after which the same call may succeed on another attempt: the silo died or
    /// was stopping (<see cref="SiloUnavailableException"/>, <see cref="PluginCallFailure.SiloStopping"/>),
    /// Orleans rejected the message (<see cref="OrleansMessageRejectionException"/>), or no answer came
    /// in time (<see cref="TimeoutException"/>: Orleans' response timeout or <see cref="ExtismClusterOptions.AttemptTimeout"/>;
    /// a plug-in's own timeout is a <see cref="PluginCallException"/> of kind Plugin). These three
    /// Orleans types are the ones seen when a silo is killed under load (build/cluster-scale.sh).
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PluginCallException p => p.Failure == PluginCallFailure.SiloStopping,
        SiloUnavailableException or OrleansMessageRejectionException => true,
        TimeoutException => true,
        _ => false,
    };

    private async Task<TResult> RetryAsync<TState, TResult>(string key, TState state, Func<IPluginGrain, TState, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken, long? shard = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        TimeSpan delay = _options.RetryDelay;
        for (int attempt = 1; ; attempt++)
        {
            int shards = _options.ShardsOf(key);
            IPluginGrain grain = GetGrain(key, shard ?? (shards == 1 ? 0 : Random.Shared.Next(shards)));
            try
            {
                if (_options.AttemptTimeout is not { } limit) return await call(grain, state, cancellationToken).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(limit);
                try
                {
                    return await call(grain, state, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"No answer from the grain of '{key}' within ExtismClusterOptions.AttemptTimeout ({limit}).");
                }
            }
            catch (Exception e) when (attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested && IsTransient(e))
            {
                Interlocked.Increment(ref _retries);
                ClusterMetrics.Retried(e);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = delay + delay > MaxRetryDelay ? MaxRetryDelay : delay + delay;
            }
        }
    }
}

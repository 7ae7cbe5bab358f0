using System.Diagnostics;
using Orleans.Concurrency;

namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// <see cref="IPluginGrain"/> on a silo. Reentrant, because a call spends its time awaiting the
/// registry (the wasm runs on the thread pool, not on the grain's turn), so interleaving lets a
/// hot key use every instance its pool may hold; the grain keeps no state a call could tear.
/// </summary>
[Reentrant]
internal sealed class PluginGrain(SiloPlugins silo) : Grain, IPluginGrain
{
    private string _key = "";
    private long _shard;
    private long _calls;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _shard = this.GetPrimaryKeyLong(out string? key);
        _key = key ?? "";
        silo.Activated(_key);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        silo.Deactivated(_key);
        return Task.CompletedTask;
    }

    public Task<byte[]> CallAsync(string functionName, byte[] input, CancellationToken cancellationToken)
        => Run((functionName, input), static (registry, key, s, token) => registry.CallAsync(key, s.functionName, s.input, token), cancellationToken);

    public Task<string> CallTextAsync(string functionName, string input, CancellationToken cancellationToken)
        => Run((functionName, input), static (registry, key, s, token) => registry.CallAsync(key, s.functionName, s.input, token), cancellationToken);

    public Task InvalidateAsync()
    {
        if (!silo.Registry.IsDisposed) silo.Registry.Invalidate(_key);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<PluginGrainStatus> GetStatusAsync() => Task.FromResult(new PluginGrainStatus
    {
        Key = _key,
        Shard = _shard,
        Silo = silo.Silo,
        SiloAddress = silo.SiloAddress,
        Compiled = !silo.Registry.IsDisposed && silo.Registry.IsCompiled(_key),
        Calls = Interlocked.Read(ref _calls),
    });

    private async Task<TResult> Run<TState, TResult>(TState state, Func<PluginRegistry, string, TState, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        long started = Stopwatch.GetTimestamp();
        try
        {
            TResult result = await call(silo.Registry, _key, state, cancellationToken);
            ClusterMetrics.Called(silo.Silo, started, null);
            return result;
        }
        catch (Exception e) when (PluginCallException.From(_key, silo.Silo, e) is { } failure)
        {
            ClusterMetrics.Called(silo.Silo, started, failure);
            throw failure;
        }
        catch (OperationCanceledException e)
        {
            ClusterMetrics.Called(silo.Silo, started, e);
            throw;
        }
    }
}

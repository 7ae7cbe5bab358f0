using System.Text.Json.Serialization.Metadata;
using Extism.Sdk;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// A plug-in registered with <c>AddExtismIsolatedPlugin</c>: the keyed service to call it through.
/// Calls go to the current generation's <see cref="IsolatedPluginPool"/> (worker processes); a
/// reload makes a new pool, checks that its first worker starts, and swaps it in. Calls already
/// running finish on the old pool, which is disposed (its idle workers exit) when the last of them
/// returns. Thread-safe; the host disposes it with the service provider.
/// </summary>
/// <remarks>
/// It wraps the pool instead of registering it because <see cref="IsolatedPluginPool"/> cannot
/// change its plug-in in place: a consumer holding a pool would keep calling a disposed one after a reload.
/// The call overloads are those of <see cref="IsolatedPluginPool"/>, with the same exceptions
/// (<see cref="ExtismWorkerException"/> when the worker died during the call).
/// </remarks>
public sealed class ExtismIsolatedPlugin
{
    private readonly HashSet<PoolGeneration> _draining = [];   // lock: replaced generations whose calls still run
    private PoolGeneration _current;
    private int _disposed;

    internal ExtismIsolatedPlugin(string name, IsolatedPluginPool pool)
    {
        Name = name;
        _current = new PoolGeneration(this, pool, 1);
    }

    /// <summary>The plug-in's name (its service key).</summary>
    public string Name { get; }

    /// <summary>The generation serving new calls: 1 at start, one more for each successful reload.</summary>
    public int Generation => Volatile.Read(ref _current).Number;

    /// <summary>The most worker processes (and so concurrent calls) of the current generation.</summary>
    public int MaxWorkers => Volatile.Read(ref _current).Pool.MaxWorkers;

    /// <summary>Worker processes of the current generation alive now (idle or busy).</summary>
    public int Workers => Volatile.Read(ref _current).Pool.Count;

    /// <inheritdoc cref="IsolatedPluginPool.Call(string, ReadOnlySpan{byte}, CancellationToken)"/>
    public byte[] Call(string functionName, ReadOnlySpan<byte> input, CancellationToken cancellationToken = default)
    {
        PoolGeneration generation = Enter();
        try
        {
            return generation.Pool.Call(functionName, input, cancellationToken);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <inheritdoc cref="IsolatedPluginPool.Call(string, ReadOnlySpan{byte}, object?, CancellationToken)"/>
    public byte[] Call(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken = default)
    {
        PoolGeneration generation = Enter();
        try
        {
            return generation.Pool.Call(functionName, input, hostContext, cancellationToken);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <inheritdoc cref="IsolatedPluginPool.Call(string, string, CancellationToken)"/>
    public string Call(string functionName, string input, CancellationToken cancellationToken = default)
    {
        PoolGeneration generation = Enter();
        try
        {
            return generation.Pool.Call(functionName, input, cancellationToken);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <inheritdoc cref="IsolatedPluginPool.Call{TInput, TOutput}(string, TInput, JsonTypeInfo{TInput}, JsonTypeInfo{TOutput}, CancellationToken)"/>
    public TOutput? Call<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        PoolGeneration generation = Enter();
        try
        {
            return generation.Pool.Call(functionName, input, inputJsonInfo, outputJsonInfo, cancellationToken);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <inheritdoc cref="IsolatedPluginPool.CallAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default) =>
        Run(generation => generation.Pool.CallAsync(functionName, input, cancellationToken));

    /// <inheritdoc cref="IsolatedPluginPool.CallAsync(string, ReadOnlyMemory{byte}, object?, CancellationToken)"/>
    public Task<byte[]> CallAsync(string functionName, ReadOnlyMemory<byte> input, object? hostContext, CancellationToken cancellationToken = default) =>
        Run(generation => generation.Pool.CallAsync(functionName, input, hostContext, cancellationToken));

    /// <inheritdoc cref="IsolatedPluginPool.CallAsync(string, string, CancellationToken)"/>
    public Task<string> CallAsync(string functionName, string input, CancellationToken cancellationToken = default) =>
        Run(generation => generation.Pool.CallAsync(functionName, input, cancellationToken));

    /// <inheritdoc cref="IsolatedPluginPool.CallAsync{TInput, TOutput}(string, TInput, JsonTypeInfo{TInput}, JsonTypeInfo{TOutput}, CancellationToken)"/>
    public Task<TOutput?> CallAsync<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default) =>
        Run(generation => generation.Pool.CallAsync(functionName, input, inputJsonInfo, outputJsonInfo, cancellationToken));

    private async Task<T> Run<T>(Func<PoolGeneration, Task<T>> call)
    {
        PoolGeneration generation = Enter();
        try
        {
            return await call(generation).ConfigureAwait(false);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <summary>The current generation, counted as in use until <see cref="PoolGeneration.Exit"/>.</summary>
    private PoolGeneration Enter()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            PoolGeneration generation = Volatile.Read(ref _current);
            if (generation.TryEnter()) return generation;
            // Retired between the read and the count: a newer one is current (or we are disposed).
        }
    }

    /// <summary>Makes <paramref name="pool"/> serve new calls; the previous pool is disposed once its running calls return.</summary>
    internal int Swap(IsolatedPluginPool pool)
    {
        PoolGeneration old = Volatile.Read(ref _current);
        var next = new PoolGeneration(this, pool, old.Number + 1);
        Volatile.Write(ref _current, next); // reloads run one at a time: no competing writer
        if (Volatile.Read(ref _disposed) != 0)
        {
            next.Retire(inBackground: false);
            throw new ObjectDisposedException(nameof(ExtismIsolatedPlugin));
        }
        lock (_draining) _draining.Add(old);
        old.Retire(inBackground: true);
        return next.Number;
    }

    /// <summary>Has <paramref name="workers"/> workers of the current generation up (see <see cref="IsolatedPluginPool.PrewarmAsync"/>).</summary>
    internal Task PrewarmAsync(int workers, CancellationToken cancellationToken) =>
        Run<bool>(async generation =>
        {
            await generation.Pool.PrewarmAsync(workers, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <summary>Waits until no call runs on the current generation, or until the token is cancelled; true when none was left running.</summary>
    internal async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        PoolGeneration generation = Volatile.Read(ref _current);
        while (generation.InUse > 0)
        {
            try
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Disposes the current pool and any replaced one still running calls: idle workers exit, busy ones are killed (their calls fail with <see cref="ObjectDisposedException"/>).</summary>
    internal void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        PoolGeneration[] draining;
        lock (_draining) draining = [.. _draining];
        foreach (PoolGeneration generation in draining) generation.Retire(inBackground: false, force: true);
        Volatile.Read(ref _current).Retire(inBackground: false, force: true);
    }

    /// <summary>One pool and the number of calls on it; disposed once retired and unused.</summary>
    private sealed class PoolGeneration(ExtismIsolatedPlugin owner, IsolatedPluginPool pool, int number)
    {
        private int _inUse;
        private int _retired;
        private int _disposed;

        internal IsolatedPluginPool Pool { get; } = pool;

        internal int Number { get; } = number;

        internal int InUse => Volatile.Read(ref _inUse);

        internal bool TryEnter()
        {
            Interlocked.Increment(ref _inUse);
            if (Volatile.Read(ref _retired) == 0) return true;
            Exit();
            return false;
        }

        internal void Exit()
        {
            if (Interlocked.Decrement(ref _inUse) == 0 && Volatile.Read(ref _retired) != 0) DisposePool(inBackground: true);
        }

        /// <param name="inBackground">Dispose on the thread pool: reaping idle workers takes a few milliseconds that no caller should wait for.</param>
        /// <param name="force">Dispose now even with calls running (host shutdown).</param>
        internal void Retire(bool inBackground, bool force = false)
        {
            Interlocked.Exchange(ref _retired, 1);
            if (force || Volatile.Read(ref _inUse) == 0) DisposePool(inBackground);
        }

        private void DisposePool(bool inBackground)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lock (owner._draining) owner._draining.Remove(this);
            if (inBackground) _ = Task.Run(Pool.Dispose);
            else Pool.Dispose();
        }
    }
}

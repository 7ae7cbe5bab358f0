using System.Diagnostics;

namespace Extism.Sdk;

/// <summary>
/// Plug-ins by key (for example <c>tenant/plugin@version</c>) for services that run many of them:
/// each key is resolved through a user-supplied <see cref="PluginResolver"/> and compiled on first
/// use, once however many callers ask at the same time, and then served from its own
/// <see cref="PluginPool"/>. Live instances, compiled modules and their estimated memory are kept
/// within <see cref="PluginRegistryOptions"/> budgets by evicting what was used least recently:
/// idle instances first (a pool keeps its last one), then the last idle instance of a pool, then
/// compiled modules nobody is using. An instance in use, or a module a call or lease holds, is
/// never evicted. Safe to use from any number of threads.
/// </summary>
/// <remarks>
/// A failed resolve or compilation is reported to every caller waiting for that key and is not
/// remembered: the next call tries again. A call that needs room while everything is in use
/// waits up to <see cref="PluginRegistryOptions.BudgetWaitTimeout"/>, then fails with a
/// <see cref="PluginBudgetExceededException"/> naming the budget. The registry owns everything it
/// compiles and instantiates; <see cref="Dispose"/> frees it.
/// </remarks>
public sealed partial class PluginRegistry : IDisposable
{
    private readonly PluginResolver _resolver;
    private readonly PluginRegistryOptions _options;
    private readonly int _budgetWaitMs;
    // One lock for the map, the recency list, the budget counters and every module's Users; held
    // briefly per call, and during evictions (which dispose idle instances and modules).
    private readonly object _lock = new();
    private readonly Dictionary<string, RegistryModule> _modules = new(StringComparer.Ordinal);
    private readonly LinkedList<RegistryModule> _recency = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _compilations;
    private readonly KeyValuePair<string, object?>[] _metricTags;   // PluginRegistryOptions.MetricTags, on every measurement
    private int _compiledModules;   // compiled, or compiling with their room reserved
    private int _liveInstances;
    private long _estimatedBytes;
    private long _evictions;
    private long _budgetFailures;
    private bool _disposed;
    private List<IDisposable> _disposeLater = [];   // lock: evicted code (or worker pools), freed once the lock is released

    /// <summary>Creates a registry; compiles nothing until a key is first used.</summary>
    /// <param name="resolver">Finds the plug-in for a key (see <see cref="PluginResolver"/>).</param>
    /// <param name="options">Budgets and settings; null for the defaults. Copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="InvalidOperationException"><see cref="PluginRegistryOptions.CompilationCache"/> conflicts with an <c>EXTISM_CACHE_CONFIG</c> already set in this process.</exception>
    public PluginRegistry(PluginResolver resolver, PluginRegistryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _options = (options ?? new PluginRegistryOptions()).Validated();
        _budgetWaitMs = _options.BudgetWaitTimeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite
            : (int)Math.Min(Math.Ceiling(_options.BudgetWaitTimeout.TotalMilliseconds), int.MaxValue - 1);
        _compilations = new SemaphoreSlim(_options.MaxConcurrentCompilations);
        _metricTags = _options.MetricTags is { } tags ? [.. tags] : [];
        if (_options.CompilationCache is { } cache) CompilationCache.Apply(cache);
    }

    /// <summary>Compiled plug-ins held now (including ones being compiled).</summary>
    public int CompiledModules { get { lock (_lock) return _compiledModules; } }

    /// <summary>Instances alive now, idle and in use, across all plug-ins.</summary>
    public int LiveInstances { get { lock (_lock) return _liveInstances; } }

    /// <summary>The memory the budget counts now, in bytes (an estimate; see <see cref="PluginRegistryOptions"/>).</summary>
    public long EstimatedMemory { get { lock (_lock) return _estimatedBytes; } }

    /// <summary>Instances, emptied pools and modules evicted so far (invalidations not included).</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Calls refused so far with a <see cref="PluginBudgetExceededException"/> (health checks watch it).</summary>
    public long BudgetFailures => Interlocked.Read(ref _budgetFailures);

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed { get { lock (_lock) return _disposed; } }

    /// <summary>True when <paramref name="key"/> is compiled and ready, so a call would not wait for a compilation.</summary>
    public bool IsCompiled(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock) return _modules.TryGetValue(key, out var module) && module.IsReady;
    }

    /// <summary>Live instances of <paramref name="key"/> (for tests and diagnostics); 0 when it is not held.</summary>
    internal int LiveInstancesOf(string key)
    {
        lock (_lock) return _modules.TryGetValue(key, out var module) ? module.LiveInstances : 0;
    }

    /// <summary>
    /// Forgets <paramref name="key"/>, for example after a new version was uploaded: the next call
    /// resolves and compiles it again. Calls and leases already holding the old plug-in finish on
    /// it; it is disposed when the last of them ends.
    /// </summary>
    /// <returns>False when the key was not held.</returns>
    public bool Invalidate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (!_modules.TryGetValue(key, out var module)) return false;
            Remove(module);
            if (module.Users == 0 && module.IsReady) DisposeModule(module, "invalidated");
        }
        FreeEvicted();
        return true;
    }

    /// <summary>
    /// Disposes every idle instance and unused module, and makes later calls throw
    /// <see cref="ObjectDisposedException"/>. Calls in progress finish; what they hold is freed when
    /// they end. Compilations in flight are abandoned. Idempotent.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (RegistryModule module in _modules.Values.ToArray())
            {
                Remove(module);
                if (module.Users == 0 && module.IsReady) DisposeModule(module, "disposed");
            }
            SignalBudget();
        }
        FreeEvicted();
        _disposing.Cancel();
    }

    /// <summary>Finds or starts the compilation of <paramref name="key"/> and holds the module (Users) until <see cref="Release"/>.</summary>
    private async ValueTask<RegistryModule> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        RegistryModule? module;
        bool start = false;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_modules.TryGetValue(key, out module))
            {
                _recency.Remove(module.Node);
            }
            else
            {
                module = new RegistryModule(this, key);
                _modules.Add(key, module);
                start = true;
            }
            _recency.AddFirst(module.Node);
            module.Users++;
        }
        if (module.Ready.Task.IsCompletedSuccessfully)
        {
            RegistryMetrics.Hit(_metricTags);
            return module;
        }
        RegistryMetrics.Miss(_metricTags);
        // The compilation belongs to the registry, not to this caller: if this caller gives up,
        // others may still be waiting for it.
        if (start) _ = Task.Run(() => CompileAsync(module));
        try
        {
            await module.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(module);
            throw;
        }
        return module;
    }

    /// <summary>Ends a hold taken by <see cref="AcquireAsync"/>; frees a removed module when its last holder leaves.</summary>
    internal void Release(RegistryModule module)
    {
        lock (_lock)
        {
            module.Users--;
            if (module.Removed && module.Users == 0 && module.IsReady && !module.Disposed) DisposeModule(module, "invalidated");
            SignalBudget(); // an instance just went idle (evictable), or a module became unused
        }
        FreeEvicted();
    }

    private async Task CompileAsync(RegistryModule module)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            PluginDefinition definition = await _resolver(module.Key, _disposing.Token).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The PluginResolver returned null for '{module.Key}'.");
            module.ModuleBytes = definition.ModuleMemoryEstimate ?? _options.EstimateModuleMemory(definition.CodeSize);
            module.InstanceBytes = definition.InstanceMemoryEstimate ?? _options.InstanceMemoryEstimate;
            // Process isolation reserves a key's worker slots with the module (see PluginRegistry.Isolated.cs).
            if (_options.ProcessIsolation is not null) module.ReservedWorkers = definition.MaxInstances ?? _options.MaxInstancesPerPlugin;
            if (_options.MemoryBudget is { } budget && module.ModuleBytes + Math.Max(1, module.ReservedWorkers) * module.InstanceBytes > budget)
            {
                Interlocked.Increment(ref _budgetFailures);
                throw new PluginBudgetExceededException(module.Key, PluginRegistryBudget.Memory,
                    $"'{module.Key}' alone needs an estimated {module.ModuleBytes + Math.Max(1, module.ReservedWorkers) * module.InstanceBytes:N0} bytes (compiled code plus {(module.ReservedWorkers > 0 ? "its workers" : "one instance")}), more than PluginRegistryOptions.MemoryBudget ({budget:N0}).");
            }
            if (_options.ProcessIsolation is { } isolation)
            {
                await StartIsolatedAsync(module, definition, isolation, started).ConfigureAwait(false);
                return;
            }
            await ReserveModuleAsync(module).ConfigureAwait(false);
            var pluginOptions = definition.Options ?? new PluginInitializationOptions();
            Manifest? manifestToCompile = definition.Manifest;
            if (_options.Untrusted)
            {
                manifestToCompile = UntrustedDefaults.FillUnset(manifestToCompile ?? new Manifest(new ByteArrayWasmSource(definition.Wasm.ToArray(), name: null)));
                pluginOptions = UntrustedDefaults.FillUnset(definition.Options);
            }
            CompiledPlugin compiled;
            await _compilations.WaitAsync(_disposing.Token).ConfigureAwait(false);
            started = Stopwatch.GetTimestamp(); // the metric is the compilation itself, not the waits before it
            try
            {
                compiled = manifestToCompile is { } manifest
                    ? new CompiledPlugin(manifest, definition.Functions ?? [], pluginOptions)
                    : new CompiledPlugin(definition.Wasm.Span, definition.Functions ?? [], pluginOptions);
            }
            finally
            {
                _compilations.Release();
            }
            var poolOptions = new PluginPoolOptions { MaxSize = definition.MaxInstances ?? _options.MaxInstancesPerPlugin };
            var pool = new PluginPool(compiled, () => CreateInstance(module), module, poolOptions);
            RegistryMetrics.Compiled(started, succeeded: true, _metricTags);
            lock (_lock)
            {
                module.Compiled = compiled;
                module.Pool = pool;
                // Invalidated (or the registry disposed) while compiling, and nobody waits any more.
                if (module.Removed && module.Users == 0) DisposeModule(module, "invalidated");
            }
            FreeEvicted();
            module.Ready.TrySetResult();
        }
        catch (Exception e)
        {
            RegistryMetrics.Compiled(started, succeeded: false, _metricTags);
            lock (_lock)
            {
                if (module.Reserved) Unreserve(module);
                // Not remembered: the next call for this key starts a new compilation.
                if (!module.Removed) Remove(module);
                SignalBudget();
            }
            // The registry's own token fired: the callers see the disposal, not a cancellation of theirs.
            module.Ready.TrySetException(e is OperationCanceledException && _disposing.IsCancellationRequested
                ? new ObjectDisposedException(nameof(PluginRegistry), "The PluginRegistry was disposed while compiling '" + module.Key + "'.")
                : e);
        }
    }

    /// <summary>Takes a module out of the map and the recency list (lock held). It is disposed separately, once unused.</summary>
    private void Remove(RegistryModule module)
    {
        if (module.Removed) return;
        module.Removed = true;
        _modules.Remove(module.Key);
        _recency.Remove(module.Node);
    }

    /// <summary>Frees a module's pool and code (lock held; nobody holds it).</summary>
    private void DisposeModule(RegistryModule module, string reason)
    {
        Debug.Assert(module.Users == 0 && !module.Disposed);
        module.Disposed = true;
        if (module.Isolated is { } isolated)
        {
            _disposeLater.Add(isolated); // ending its workers waits for them: after the lock
        }
        else
        {
            module.Pool!.Dispose(); // drops the idle instances; each is reported to OnInstanceDropped
            // Freeing the engine (which stops wasmtime's cache thread for it) happens after the lock.
            _disposeLater.Add(module.Compiled!);
        }
        Unreserve(module);
        if (reason is "module") Interlocked.Increment(ref _evictions);
        RegistryMetrics.Evicted(reason, 1, _metricTags);
    }

    private void Unreserve(RegistryModule module)
    {
        module.Reserved = false;
        _compiledModules--;
        _estimatedBytes -= module.ModuleBytes + module.ReservedWorkers * module.InstanceBytes;
        _liveInstances -= module.ReservedWorkers;
        module.LiveInstances -= module.ReservedWorkers;
    }

    /// <summary>Frees code evicted under the lock. Call after releasing it, on every path that may evict.</summary>
    private void FreeEvicted()
    {
        List<IDisposable> evicted;
        lock (_lock)
        {
            if (_disposeLater.Count == 0) return;
            evicted = _disposeLater;
            _disposeLater = [];
        }
        foreach (IDisposable compiled in evicted) compiled.Dispose();
    }
}

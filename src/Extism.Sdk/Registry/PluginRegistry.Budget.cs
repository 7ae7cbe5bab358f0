namespace Extism.Sdk;

// Budgets and eviction. Everything that reads or changes the counters holds _lock.
public sealed partial class PluginRegistry
{
    // Completed (and replaced) whenever room may have come free, if someone is watching.
    private TaskCompletionSource _budgetChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _budgetWatched;

    /// <summary>Called by a module's pool, on the renting thread, before it instantiates: makes room or throws <see cref="RegistryBudgetFullException"/>.</summary>
    private Plugin CreateInstance(RegistryModule module)
    {
        bool fits;
        PluginRegistryBudget full;
        lock (_lock)
        {
            fits = TryMakeRoom(instances: 1, module.InstanceBytes, modules: 0, out full);
            if (fits)
            {
                _liveInstances++;
                _estimatedBytes += module.InstanceBytes;
                module.LiveInstances++;
            }
        }
        FreeEvicted();
        if (!fits) throw new RegistryBudgetFullException(full);
        try
        {
            return module.Compiled!.Instantiate();
        }
        catch
        {
            OnInstanceDropped(module);
            throw;
        }
    }

    /// <summary>An instance of <paramref name="module"/> was disposed (by its pool, or after a failed instantiation).</summary>
    internal void OnInstanceDropped(RegistryModule module)
    {
        lock (_lock)
        {
            _liveInstances--;
            _estimatedBytes -= module.InstanceBytes;
            module.LiveInstances--;
            SignalBudget();
        }
    }

    /// <summary>Reserves a module's place and code memory before compiling, waiting (bounded) while everything is in use.</summary>
    private async Task ReserveModuleAsync(RegistryModule module)
    {
        long deadline = 0;
        while (true)
        {
            Task changed;
            PluginRegistryBudget full;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                long bytes = module.ModuleBytes + module.ReservedWorkers * module.InstanceBytes;
                if (TryMakeRoom(instances: module.ReservedWorkers, bytes, modules: 1, out full))
                {
                    _compiledModules++;
                    _estimatedBytes += bytes;
                    _liveInstances += module.ReservedWorkers; // 0 in-process: instances count when they are made
                    module.LiveInstances += module.ReservedWorkers;
                    module.Reserved = true;
                    changed = Task.CompletedTask;
                }
                else
                {
                    changed = WatchBudget();
                }
            }
            FreeEvicted();
            if (changed.IsCompleted) return;
            if (!await WaitForBudgetAsync(changed, ref deadline, _disposing.Token).ConfigureAwait(false)) throw Exceeded(module.Key, full);
        }
    }

    /// <summary>A task that completes when room may have come free (lock held).</summary>
    private Task WatchBudget()
    {
        _budgetWatched = true;
        return _budgetChanged.Task;
    }

    /// <summary>Wakes everyone waiting for room (lock held).</summary>
    private void SignalBudget()
    {
        if (!_budgetWatched) return;
        _budgetWatched = false;
        TaskCompletionSource signalled = _budgetChanged;
        _budgetChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signalled.TrySetResult();
    }

    /// <summary>Waits for <paramref name="changed"/> until the deadline (started on the first wait); false when time is up.</summary>
    private ValueTask<bool> WaitForBudgetAsync(Task changed, ref long deadline, CancellationToken cancellationToken)
    {
        if (_budgetWaitMs == Timeout.Infinite) return new ValueTask<bool>(WaitAsync(changed, Timeout.InfiniteTimeSpan, cancellationToken));
        long now = Environment.TickCount64;
        if (deadline == 0) deadline = now + _budgetWaitMs;
        long left = deadline - now;
        if (left <= 0) return new ValueTask<bool>(false);
        return new ValueTask<bool>(WaitAsync(changed, TimeSpan.FromMilliseconds(left), cancellationToken));

        static async Task<bool> WaitAsync(Task changed, TimeSpan wait, CancellationToken token)
        {
            try
            {
                await changed.WaitAsync(wait, token).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    private PluginBudgetExceededException Exceeded(string key, PluginRegistryBudget budget)
    {
        Interlocked.Increment(ref _budgetFailures);
        string limit = budget switch
        {
            PluginRegistryBudget.LiveInstances => $"PluginRegistryOptions.MaxLiveInstances ({_options.MaxLiveInstances})",
            PluginRegistryBudget.CompiledModules => $"PluginRegistryOptions.MaxCompiledModules ({_options.MaxCompiledModules})",
            _ => $"PluginRegistryOptions.MemoryBudget ({_options.MemoryBudget:N0} bytes, estimated; {_estimatedBytes:N0} in use)",
        };
        return new PluginBudgetExceededException(key, budget,
            $"The call for '{key}' found {limit} full of plug-ins in use, with nothing idle to evict, for {_options.BudgetWaitTimeout}. " +
            "Raise the budget or PluginRegistryOptions.BudgetWaitTimeout, return leases sooner, or lower MaxInstancesPerPlugin.");
    }

    /// <summary>
    /// Evicts, least recently used first, until the request fits (lock held). False, with the
    /// budget that stays full, when only things in use are left.
    /// </summary>
    private bool TryMakeRoom(int instances, long bytes, int modules, out PluginRegistryBudget full)
    {
        while (true)
        {
            if (instances > 0 && _liveInstances + instances > _options.MaxLiveInstances) full = PluginRegistryBudget.LiveInstances;
            else if (modules > 0 && _compiledModules + modules > _options.MaxCompiledModules) full = PluginRegistryBudget.CompiledModules;
            else if (_options.MemoryBudget is { } budget && _estimatedBytes + bytes > budget) full = PluginRegistryBudget.Memory;
            else
            {
                full = default;
                return true;
            }
            if (!EvictOne(full)) return false;
        }
    }

    /// <summary>
    /// One eviction step for <paramref name="full"/>: an idle instance beyond a pool's last one;
    /// else a pool's last idle instance; else (for modules or memory) a compiled module nobody
    /// holds. Each step takes the least recently used candidate.
    /// </summary>
    private bool EvictOne(PluginRegistryBudget full)
    {
        if (full != PluginRegistryBudget.CompiledModules)
        {
            for (var node = _recency.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Pool is { } pool && node.Value.LiveInstances > 1 && pool.DisposeIdle(keep: 1, max: 1) > 0)
                {
                    Evicted("instance");
                    return true;
                }
            }
            for (var node = _recency.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Pool is { } pool && node.Value.LiveInstances > 0 && pool.DisposeIdle(keep: 0, max: int.MaxValue) is > 0 and var n)
                {
                    Evicted("pool", n);
                    return true;
                }
            }
            // Under process isolation a module holds its worker slots: evicting it frees them.
            if (full == PluginRegistryBudget.LiveInstances && _options.ProcessIsolation is null) return false;
        }
        for (var node = _recency.Last; node is not null; node = node.Previous)
        {
            RegistryModule module = node.Value;
            if (module.Users == 0 && module.IsReady)
            {
                Remove(module);
                DisposeModule(module, "module");
                return true;
            }
        }
        return false;
    }

    private void Evicted(string reason, long count = 1)
    {
        Interlocked.Add(ref _evictions, count);
        RegistryMetrics.Evicted(reason, count, _metricTags);
    }
}

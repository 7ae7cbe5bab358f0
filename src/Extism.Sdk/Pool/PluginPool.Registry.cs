namespace Extism.Sdk;

/// <summary>What a <see cref="PluginRegistry"/> learns from the pools it owns: an instance is gone.</summary>
internal interface IInstanceBudget
{
    /// <summary>The pool disposed one of its instances (any thread, possibly under the registry's own lock).</summary>
    void InstanceDropped(PluginPool pool);
}

// Hooks for PluginRegistry: a pool whose instance creation and destruction the registry counts
// against its budgets, and eviction of idle instances. Nothing here changes a plain pool.
public sealed partial class PluginPool
{
    private readonly IInstanceBudget? _registryBudget;

    /// <summary>
    /// A registry's pool: instances come from <paramref name="factory"/> (which reserves budget
    /// before instantiating <paramref name="compiled"/>), and every dropped instance is reported to
    /// <paramref name="budget"/>. The manifest timeout of <paramref name="compiled"/> is kept, so an
    /// interruption by a sibling is told apart exactly as in the <see cref="CompiledPlugin"/> pool.
    /// The pool does not own <paramref name="compiled"/>.
    /// </summary>
    internal PluginPool(CompiledPlugin compiled, Func<Plugin> factory, IInstanceBudget budget, PluginPoolOptions? options)
        : this(options, allowPerInstance: false)
    {
        _factory = factory;
        _registryBudget = budget;
        _timeout = compiled.ManifestTimeout;
        _timeoutKnown = compiled.TimeoutKnown;
    }

    /// <summary>Idle slots that hold an instance (a slot whose call failed comes back empty).</summary>
    internal int IdleInstances
    {
        get
        {
            lock (_idleLock)
            {
                int n = 0;
                for (int i = 0; i < _idleCount; i++) if (_idle[i].Instance is not null) n++;
                return n;
            }
        }
    }

    /// <summary>
    /// Disposes up to <paramref name="max"/> idle instances, least recently used first, leaving at
    /// least <paramref name="keep"/> idle slots. Rented instances are never touched. Returns how
    /// many instances were disposed.
    /// </summary>
    internal int DisposeIdle(int keep, int max)
    {
        Entry[] taken;
        lock (_idleLock)
        {
            int n = Math.Min(max, _idleCount - keep);
            if (n <= 0) return 0;
            // The stack's bottom holds the slots returned longest ago.
            taken = _idle[..n];
            Array.Copy(_idle, n, _idle, 0, _idleCount - n);
            Array.Clear(_idle, _idleCount - n, n);
            _idleCount -= n;
        }
        int disposed = 0;
        foreach (Entry entry in taken)
        {
            if (entry.Instance is not null) disposed++;
            DropInstance(entry);
            entry.Engine?.Dispose();
        }
        return disposed;
    }
}

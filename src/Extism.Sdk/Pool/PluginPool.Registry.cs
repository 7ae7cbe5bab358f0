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
        _factory = factory; // takes precedence over the generation's code in CreateInstance
        _registryBudget = budget;
        _current = PoolGeneration.Borrowed(compiled);
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
    /// least <paramref name="keep"/> idle instances. Rented instances are never touched. Returns how
    /// many instances were disposed.
    /// </summary>
    internal int DisposeIdle(int keep, int max)
    {
        Entry[] taken;
        lock (_idleLock)
        {
            // The stack's bottom holds the slots returned longest ago; empty slots met on the way go too.
            int instances = 0;
            for (int i = 0; i < _idleCount; i++) if (_idle[i].Instance is not null) instances++;
            int n = 0;
            for (int taking = 0; n < _idleCount && taking < max && instances - taking > keep; n++)
            {
                if (_idle[n].Instance is not null) taking++;
            }
            if (n == 0) return 0;
            taken = _idle[..n];
            Array.Copy(_idle, n, _idle, 0, _idleCount - n);
            Array.Clear(_idle, _idleCount - n, n);
            _idleCount -= n;
        }
        int disposed = 0;
        foreach (Entry entry in taken)
        {
            entry.Idle = false;
            if (entry.Instance is not null)
            {
                disposed++;
                _telemetry.Changed(-1, +1); // counted as idle until now; DropInstance counts it out as in use
            }
            DropInstance(entry);
            entry.Engine?.Dispose();
        }
        return disposed;
    }
}

namespace Extism.Sdk;

/// <summary>
/// An instance rented from a <see cref="PluginRegistry"/>. While it is held, neither the instance
/// nor its plug-in's compiled code is evicted. Dispose it exactly once; further disposals do nothing.
/// </summary>
public sealed class PluginRegistryLease : IDisposable
{
    private readonly PluginRegistry _registry;
    private readonly RegistryModule _module;
    private readonly PluginPool.Lease _lease;
    private int _disposed;

    internal PluginRegistryLease(PluginRegistry registry, RegistryModule module, PluginPool.Lease lease)
    {
        _registry = registry;
        _module = module;
        _lease = lease;
    }

    /// <summary>The key this instance was rented for.</summary>
    public string Key => _module.Key;

    /// <summary>The rented instance. The registry owns it: do not dispose it or keep it past the lease.</summary>
    /// <exception cref="InvalidOperationException">The lease was disposed.</exception>
    public Plugin Plugin => _lease.Plugin;

    /// <summary>Tells the registry to dispose this instance instead of reusing it (after a call on it failed in a way that may leave it inconsistent).</summary>
    public void MarkBroken() => _lease.MarkBroken();

    /// <summary>Gives the instance back and releases the plug-in for eviction.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _lease.Dispose();
        _registry.Release(_module);
    }
}

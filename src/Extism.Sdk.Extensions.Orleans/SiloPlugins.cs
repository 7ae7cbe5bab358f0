using Orleans.Runtime;

namespace Extism.Sdk.Extensions.Orleans;

/// <summary>
/// One per silo: the silo's <see cref="PluginRegistry"/> (from DI, so its budgets and resolver are
/// this silo's) and how many grain activations on this silo serve each key. Several shards of one
/// key may live on the same silo and share its compiled plug-in; the plug-in is released when the
/// last of them deactivates.
/// </summary>
internal sealed class SiloPlugins : IDisposable
{
    private readonly Dictionary<string, int> _activations = new(StringComparer.Ordinal);

    public SiloPlugins(PluginRegistry registry, ILocalSiloDetails silo)
    {
        Registry = registry;
        Silo = silo.Name;
        SiloAddress = silo.SiloAddress.ToString();
        ClusterMetrics.Track(this);
    }

    internal PluginRegistry Registry { get; }

    internal string Silo { get; }

    internal string SiloAddress { get; }

    /// <summary>Activations on this silo now (for the metrics).</summary>
    internal int Activations { get { lock (_activations) return _activations.Values.Sum(); } }

    internal void Activated(string key)
    {
        lock (_activations) _activations[key] = _activations.GetValueOrDefault(key) + 1;
    }

    /// <summary>An activation of <paramref name="key"/> ended; the last one on this silo releases the plug-in.</summary>
    internal void Deactivated(string key)
    {
        lock (_activations)
        {
            int left = _activations.GetValueOrDefault(key) - 1;
            if (left > 0)
            {
                _activations[key] = left;
                return;
            }
            _activations.Remove(key);
        }
        if (!Registry.IsDisposed) Registry.Invalidate(key);
    }

    public void Dispose() => ClusterMetrics.Untrack(this);
}

namespace Extism.Sdk;

public sealed partial class PluginPool
{
    /// <summary>
    /// An instance rented from a <see cref="PluginPool"/>, for the renter's exclusive use until
    /// <see cref="Dispose"/> gives it back. A value type so that renting allocates nothing; copies
    /// refer to the same rental, and only the first <see cref="Dispose"/> of any copy counts.
    /// </summary>
    public readonly struct Lease : IDisposable
    {
        private readonly PluginPool? _pool;
        private readonly Entry? _entry;
        private readonly int _id;

        internal Lease(PluginPool pool, Entry entry, int id)
        {
            _pool = pool;
            _entry = entry;
            _id = id;
        }

        /// <summary>
        /// The rented instance. The pool owns it: do not dispose it or keep it past the lease.
        /// Calls on it are not repeated after another caller's interruption (the pool's own call
        /// methods do that); mark the lease broken if such a call fails.
        /// </summary>
        /// <exception cref="InvalidOperationException">The lease was returned already, or is <c>default</c>.</exception>
        public Plugin Plugin
        {
            get
            {
                if (_entry is null || Volatile.Read(ref _entry.LeaseId) != _id || _entry.Instance is not { } plugin)
                {
                    throw new InvalidOperationException("This PluginPool.Lease was returned (or is default); rent a new one.");
                }
                return plugin;
            }
        }

        /// <summary>
        /// Tells the pool to dispose this instance when it comes back instead of reusing it. Use it
        /// after a call on <see cref="Plugin"/> trapped, timed out, was cancelled, ran out of fuel
        /// or memory, or its host function threw: the instance may be left mid-update. No effect
        /// after the lease was returned.
        /// </summary>
        public void MarkBroken()
        {
            if (_entry is not null && Volatile.Read(ref _entry.LeaseId) == _id) _entry.Broken = true;
        }

        /// <summary>Gives the instance back to the pool (or disposes it, if broken or the pool is disposed). Idempotent, also across copies.</summary>
        public void Dispose() => _pool?.Return(_entry!, _id);
    }
}

using Extism.Sdk.Diagnostics;

namespace Extism.Sdk;

public sealed partial class PluginPool
{
    // What instances are made from now. Replaced as a whole by Reload, so a reader always sees
    // one consistent generation (code, host functions, options, timeout) without a lock.
    private PoolGeneration _current = null!;
    private readonly object _reloadLock = new();
    private readonly PoolTelemetry _telemetry;

    /// <summary>
    /// The generation of code the pool makes new instances from: 1 when created, plus one per
    /// successful <see cref="Reload"/>.
    /// </summary>
    public int Generation => Volatile.Read(ref _current).Number;

    /// <summary>The pool's name in telemetry (the <c>extism.pool</c> tag); see <see cref="PluginPoolOptions.Name"/>.</summary>
    public string Name => _telemetry.Name;

    /// <summary>
    /// Compiles <paramref name="manifest"/> and makes it the code every new instance comes from,
    /// atomically: callers never see a mix. Calls already running finish on the instance they
    /// have; that instance, and idle ones of the old code, are disposed as soon as they are free,
    /// and the old compiled code when its last instance is gone. When compiling fails nothing
    /// changes (the pool keeps serving the code it had) and the exception says why. Safe to call
    /// from any thread, concurrently with calls; reloads run one at a time. Size, isolation and
    /// waiting stay as the pool was created with.
    /// </summary>
    /// <param name="manifest">The new modules, limits and timeout. With <see cref="PluginPoolIsolation.EnginePerInstance"/> it is read again for every slot, so do not change it afterwards.</param>
    /// <param name="functions">Host functions for the new code; null for none.</param>
    /// <param name="pluginOptions">WASI and fuel for the new code; null for neither.</param>
    /// <returns>The new <see cref="Generation"/> number.</returns>
    /// <exception cref="ArgumentException">The manifest is invalid; the message names the field.</exception>
    /// <exception cref="ExtismException">libextism could not compile it.</exception>
    /// <exception cref="InvalidOperationException">The pool was made from a factory, which decides its own code.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public int Reload(Manifest manifest, HostFunction[]? functions = null, PluginInitializationOptions? pluginOptions = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_factory is not null)
        {
            throw new InvalidOperationException("A PluginPool made from a factory cannot be reloaded: the factory decides what each instance runs.");
        }
        lock (_reloadLock)
        {
            PoolGeneration old = Volatile.Read(ref _current);
            PoolGeneration next = PoolGeneration.Compile(old.Number + 1, manifest, functions, pluginOptions, _isolation);
            Volatile.Write(ref _current, next);
            // Dispose raced us: it retired the generation it saw, so this one is ours to retire.
            if (IsDisposed) next.Retire();
            old.Retire();
            RetireIdle();
            return next.Number;
        }
    }

    /// <summary>Disposes idle entries that belong to an older generation; the current ones stay idle.</summary>
    private void RetireIdle()
    {
        PoolGeneration current = Volatile.Read(ref _current);
        List<Entry>? stale = null;
        lock (_idleLock)
        {
            int kept = 0;
            for (int i = 0; i < _idleCount; i++)
            {
                Entry entry = _idle[i];
                if (entry.Generation == current) _idle[kept++] = entry;
                else (stale ??= []).Add(entry);
            }
            for (int i = kept; i < _idleCount; i++) _idle[i] = null!;
            _idleCount = kept;
        }
        if (stale is null) return;
        foreach (Entry entry in stale)
        {
            entry.Idle = false;
            if (entry.Instance is not null) _telemetry.Changed(-1, +1); // counted as idle until now
            DropInstance(entry);
            entry.Engine?.Dispose();
            Forget(entry);
        }
    }

    /// <summary>True when an entry (returned or popped) was made from code that has since been replaced.</summary>
    private bool IsStale(Entry entry) => entry.Generation != Volatile.Read(ref _current);

    /// <summary>
    /// Makes the entry's instance from the current generation. An empty slot of an older
    /// generation (its instance was dropped mid-call, or it sat idle across a reload) moves to the
    /// current one first; with its own engine, that engine is replaced.
    /// </summary>
    private Plugin CreateInstance(Entry entry)
    {
        while (true)
        {
            PoolGeneration generation = Volatile.Read(ref _current);
            if (!generation.TryAddInstance())
            {
                // Retired between the read and the reservation: by Dispose (then stop), or by a
                // Reload that has already published the next generation (then read that).
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                continue;
            }
            try
            {
                Plugin created;
                if (_factory is not null)
                {
                    created = _factory() ?? throw new InvalidOperationException("The PluginPool factory returned null.");
                }
                else if (generation.Shared is { } shared)
                {
                    created = shared.Instantiate();
                }
                else
                {
                    if (entry.Engine is null || entry.Generation != generation)
                    {
                        entry.Engine?.Dispose();
                        entry.Engine = null;
                        entry.Engine = generation.TakeEngine();
                        entry.Generation = generation; // the engine's generation, even if instantiating fails
                    }
                    created = entry.Engine.Instantiate();
                }
                entry.Generation = generation;
                _telemetry.Changed(0, +1);
                return created;
            }
            catch
            {
                generation.ReleaseInstance();
                throw;
            }
        }
    }

    /// <summary>
    /// One version of the code a pool instantiates: a shared engine, or (EnginePerInstance) a
    /// manifest compiled per slot; the host functions and options that go with it; and how many
    /// live instances came from it, so that an owned engine is disposed once the last is gone.
    /// </summary>
    internal sealed class PoolGeneration
    {
        internal readonly int Number;
        internal readonly CompiledPlugin? Shared;
        private readonly bool _ownsShared;
        private readonly Manifest? _manifest;
        private readonly HostFunction[] _functions;
        private readonly PluginInitializationOptions? _pluginOptions;
        // The manifest timeout rounded up to whole milliseconds, as libextism receives it; only
        // meaningful when TimeoutKnown. It tells a call's own timeout from a sibling's (Calls file).
        internal readonly TimeSpan? Timeout;
        internal readonly bool TimeoutKnown;
        // The engine compiled to validate an EnginePerInstance manifest: the first slot gets it.
        private CompiledPlugin? _spare;
        private int _instances;
        private int _retired;
        private int _disposed;

        private PoolGeneration(int number, CompiledPlugin? shared, bool ownsShared, Manifest? manifest, HostFunction[] functions,
            PluginInitializationOptions? pluginOptions, TimeSpan? timeout, bool timeoutKnown)
        {
            Number = number;
            Shared = shared;
            _ownsShared = ownsShared;
            _manifest = manifest;
            _functions = functions;
            _pluginOptions = pluginOptions;
            Timeout = timeout;
            TimeoutKnown = timeoutKnown;
        }

        /// <summary>Code the caller owns (the CompiledPlugin constructor).</summary>
        internal static PoolGeneration Borrowed(CompiledPlugin compiled) =>
            new(1, compiled, false, null, [], null, compiled.ManifestTimeout, compiled.TimeoutKnown);

        /// <summary>No code of its own: a factory makes every instance.</summary>
        internal static PoolGeneration Factory() => new(1, null, false, null, [], null, null, false);

        /// <summary>Compiles a manifest once (which also validates it); EnginePerInstance keeps that engine for the first slot.</summary>
        internal static PoolGeneration Compile(int number, Manifest manifest, HostFunction[]? functions, PluginInitializationOptions? pluginOptions, PluginPoolIsolation isolation)
        {
            HostFunction[] list = functions ?? [];
            var options = new PluginInitializationOptions { WithWasi = pluginOptions?.WithWasi ?? false, FuelLimit = pluginOptions?.FuelLimit };
            var first = new CompiledPlugin(manifest, list, options);
            if (isolation == PluginPoolIsolation.EnginePerInstance)
            {
                return new(number, null, false, manifest, list, options, manifest.EffectiveTimeout, true) { _spare = first };
            }
            return new(number, first, true, null, list, options, manifest.EffectiveTimeout, true);
        }

        /// <summary>An engine for one slot: the spare one first, then a fresh compilation.</summary>
        internal CompiledPlugin TakeEngine() =>
            Interlocked.Exchange(ref _spare, null) ?? new CompiledPlugin(_manifest!, _functions, _pluginOptions!);

        /// <summary>Reserves an instance of this generation; false once it is retired.</summary>
        internal bool TryAddInstance()
        {
            Interlocked.Increment(ref _instances);
            // The increment is a full fence, and Retire writes the flag with one before it reads the
            // count: either we see the flag, or Retire sees our reservation and leaves disposal to us.
            if (Volatile.Read(ref _retired) == 0) return true;
            ReleaseInstance();
            return false;
        }

        internal void ReleaseInstance()
        {
            if (Interlocked.Decrement(ref _instances) == 0 && Volatile.Read(ref _retired) != 0) DisposeCode();
        }

        /// <summary>No new instances from here on; the owned code goes when the last instance does.</summary>
        internal void Retire()
        {
            if (Interlocked.Exchange(ref _retired, 1) != 0) return;
            if (Volatile.Read(ref _instances) == 0) DisposeCode();
        }

        private void DisposeCode()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Interlocked.Exchange(ref _spare, null)?.Dispose();
            if (_ownsShared) Shared!.Dispose();
        }
    }
}

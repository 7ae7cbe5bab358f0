using System.Diagnostics;
using Extism.Sdk.Diagnostics;

namespace Extism.Sdk;

/// <summary>
/// A bounded pool of plug-in instances, safe to use from any number of threads. Instances are
/// created lazily, at most <see cref="MaxSize"/> at a time; a caller that finds all of them busy
/// waits (honouring its cancellation token and <see cref="PluginPoolOptions.RentTimeout"/>).
/// Use <see cref="Call(string, ReadOnlySpan{byte}, CancellationToken)"/> and its siblings to
/// rent, call and return in one step, or <see cref="Rent"/> for a <see cref="Lease"/>.
/// An instance whose call trapped, timed out, ran out of fuel or memory, was cancelled, or
/// whose host function threw is disposed instead of being reused. The pool owns (and disposes)
/// every instance it creates; see the constructors for who owns the code they come from.
/// </summary>
/// <remarks>
/// Instances of one <see cref="CompiledPlugin"/> share a wasmtime engine, and libextism stops
/// all of them together when one call is cancelled or times out. With the default
/// <see cref="PluginPoolIsolation.SharedEngine"/>, the pool's call methods hide that: a call
/// stopped on another caller's behalf is repeated on a fresh instance. See
/// <see cref="PluginPoolIsolation"/> for the alternative.
/// A host function that calls back into the same pool needs another free instance: with all of
/// them rented it waits, so give such pools a <see cref="PluginPoolOptions.RentTimeout"/>.
/// </remarks>
public sealed partial class PluginPool : IDisposable
{
    // The code (shared engine, or manifest compiled per slot) and its options live in the current
    // generation (_current, Generations file), which Reload replaces.
    private readonly Func<Plugin>? _factory;
    private readonly PluginPoolIsolation _isolation;
    private readonly int _rentTimeoutMs;
    private readonly int _maxRetries;

    // One permit per slot: a caller holds a permit while it holds an entry, so idle + rented
    // entries never exceed MaxSize. Created without a maximum count so that Dispose can wake
    // waiters by releasing (see Dispose).
    private readonly SemaphoreSlim _slots;
    // Idle slots, used LIFO so the most recently used (warm) instance goes out first. A plain
    // array under a lock rather than a ConcurrentStack, whose every push allocates a node: this
    // way renting and returning allocate nothing. It never holds more than MaxSize entries.
    private readonly Entry[] _idle;
    private int _idleCount;
    private readonly PluginLock _idleLock = new();
    private int _live;
    private int _peak;
    private int _disposed;

    /// <summary>
    /// A pool of instances of <paramref name="compiled"/>. The pool does not own
    /// <paramref name="compiled"/>: keep it alive (undisposed) while the pool may still create
    /// instances, and dispose it yourself afterwards. Only <see cref="PluginPoolIsolation.SharedEngine"/>
    /// is possible here (one compiled plug-in is one engine).
    /// </summary>
    /// <param name="compiled">The code to instantiate.</param>
    /// <param name="options">Size, waiting and isolation; null for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for <see cref="PluginPoolIsolation.EnginePerInstance"/>, or is out of range.</exception>
    public PluginPool(CompiledPlugin compiled, PluginPoolOptions? options = null)
        : this(options, allowPerInstance: false)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        // Compiled from a Manifest object, the timeout is known; from raw bytes it is not, and an
        // interruption not requested through a token cannot be attributed with certainty.
        _current = PoolGeneration.Borrowed(compiled);
    }

    /// <summary>
    /// A pool that compiles <paramref name="manifest"/> itself: once, or once per slot with
    /// <see cref="PluginPoolIsolation.EnginePerInstance"/>. The first compilation happens here, so
    /// an invalid manifest fails now; further per-slot compilations happen lazily and read the
    /// manifest again, so do not change it afterwards. The pool owns everything it compiles.
    /// </summary>
    /// <param name="manifest">The modules, limits and timeout.</param>
    /// <param name="functions">Host functions; each may also be used by other plug-ins, and runs on many threads at once when the pool is busy.</param>
    /// <param name="pluginOptions">WASI and fuel; null for neither.</param>
    /// <param name="options">Size, waiting and isolation; null for the defaults.</param>
    /// <exception cref="ArgumentException">The manifest or an option is invalid.</exception>
    /// <exception cref="ExtismException">libextism could not compile the manifest.</exception>
    public PluginPool(Manifest manifest, HostFunction[] functions, PluginInitializationOptions? pluginOptions = null, PluginPoolOptions? options = null)
        : this(options, allowPerInstance: true)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        // EnginePerInstance: the engine compiled here (to fail early) goes to the first slot.
        _current = PoolGeneration.Compile(1, manifest, functions, pluginOptions, _isolation);
    }

    /// <summary>
    /// A pool of instances made by <paramref name="factory"/>, which the pool calls lazily (on
    /// any thread, possibly several at once) and whose results it owns and disposes. Plug-ins made
    /// with <c>new Plugin(...)</c> each have their own engine; plug-ins from one
    /// <see cref="CompiledPlugin"/> share one, and are then treated as with the
    /// <see cref="PluginPool(CompiledPlugin, PluginPoolOptions?)"/> constructor.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for <see cref="PluginPoolIsolation.EnginePerInstance"/> (the factory decides that), or is out of range.</exception>
    public PluginPool(Func<Plugin> factory, PluginPoolOptions? options = null)
        : this(options, allowPerInstance: false)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
        _current = PoolGeneration.Factory();
    }

    private PluginPool(PluginPoolOptions? options, bool allowPerInstance)
    {
        options ??= new PluginPoolOptions();
        if (options.MaxSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxSize, "PluginPoolOptions.MaxSize must be at least 1.");
        if (options.MaxInterruptionRetries < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxInterruptionRetries, "PluginPoolOptions.MaxInterruptionRetries must not be negative.");
        if (!Enum.IsDefined(options.Isolation)) throw new ArgumentOutOfRangeException(nameof(options), options.Isolation, "Unknown PluginPoolOptions.Isolation.");
        if (options.Isolation == PluginPoolIsolation.EnginePerInstance && !allowPerInstance)
        {
            throw new ArgumentException(
                "PluginPoolIsolation.EnginePerInstance needs a pool created from a Manifest: the pool compiles one engine per slot. " +
                "A CompiledPlugin is a single engine; a factory decides for itself (new Plugin(...) gives separate engines).", nameof(options));
        }
        MaxSize = options.MaxSize;
        _rentTimeoutMs = PluginPoolOptions.ToMilliseconds(options.RentTimeout);
        _maxRetries = options.MaxInterruptionRetries;
        _isolation = options.Isolation;
        _slots = new SemaphoreSlim(MaxSize);
        _idle = new Entry[MaxSize];
        _telemetry = new PoolTelemetry(options.Name ?? "default");
    }

    /// <summary>The most instances this pool holds at once.</summary>
    public int MaxSize { get; }

    /// <summary>How many instances exist right now, idle and rented (never more than <see cref="MaxSize"/>).</summary>
    public int Count => Volatile.Read(ref _live);

    /// <summary>The highest <see cref="Count"/> so far (for tests and diagnostics).</summary>
    internal int PeakCount => Volatile.Read(ref _peak);

    /// <summary>The isolation this pool uses.</summary>
    public PluginPoolIsolation Isolation => _isolation;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Takes an instance for the caller's exclusive use until the lease is disposed, waiting for
    /// one when all <see cref="MaxSize"/> are rented. Dispose the lease exactly once (a
    /// <c>using</c> statement); call <see cref="Lease.MarkBroken"/> first if a call on it failed
    /// in a way that may leave the instance inconsistent. Calls made directly on
    /// <see cref="Lease.Plugin"/> are not repeated after another caller's interruption.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    /// <exception cref="TimeoutException">No instance became free within <see cref="PluginPoolOptions.RentTimeout"/>.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <exception cref="ExtismException">Creating the instance failed.</exception>
    public Lease Rent(CancellationToken cancellationToken = default)
    {
        Entry entry = Acquire(cancellationToken);
        return new Lease(this, entry, entry.LeaseId);
    }

    /// <summary>Like <see cref="Rent"/>, but waits without blocking a thread.</summary>
    /// <inheritdoc cref="Rent" path="/exception"/>
    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken = default)
    {
        Entry entry = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        return new Lease(this, entry, entry.LeaseId);
    }

    /// <summary>
    /// Disposes the idle instances and everything the pool compiled, and makes later use throw
    /// <see cref="ObjectDisposedException"/> (callers waiting for an instance get it too). Calls in
    /// progress finish normally; their instances are disposed when they come back. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        DrainIdle();
        // Owned code goes now, or when the last rented instance comes back (libextism
        // reference-counts compiled code, so those instances would keep working either way).
        Volatile.Read(ref _current).Retire();
        // Wake one waiter; each waiter that wakes into a disposed pool passes the permit on (TakeEntry).
        _slots.Release();
    }

    private Entry Acquire(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        long started = PoolTelemetry.StartRent();
        long waitStarted = Stopwatch.GetTimestamp();
        if (!_slots.Wait(_rentTimeoutMs, cancellationToken)) throw RentTimedOut();
        Entry entry = TakeEntry(cancellationToken, waitStarted);
        _telemetry.Rented(started);
        return entry;
    }

    private async ValueTask<Entry> AcquireAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        long started = PoolTelemetry.StartRent();
        long waitStarted = Stopwatch.GetTimestamp();
        if (!await _slots.WaitAsync(_rentTimeoutMs, cancellationToken).ConfigureAwait(false)) throw RentTimedOut();
        Entry entry = TakeEntry(cancellationToken, waitStarted);
        _telemetry.Rented(started);
        return entry;
    }

    private TimeoutException CreationTimedOut() => new(
        $"No instance of this PluginPool was ready within {TimeSpan.FromMilliseconds(_rentTimeoutMs)} (its RentTimeout): creating one took longer " +
        "(a start function or _initialize that does not return). The creation was abandoned and runs on in the background until it ends; " +
        "a fuel limit ends it.");

    private TimeoutException RentTimedOut() => new(
        $"No instance of this PluginPool became free within {TimeSpan.FromMilliseconds(_rentTimeoutMs)}: all {MaxSize} (its MaxSize) were in use. " +
        "Raise PluginPoolOptions.MaxSize or RentTimeout, or return leases sooner.");

    /// <summary>Turns a permit into a ready entry; on failure gives the permit back.</summary>
    /// <param name="cancellationToken">The renter's token, which also bounds a creation it waits for.</param>
    /// <param name="waitStarted">When the renter started waiting (Stopwatch timestamp): RentTimeout counts from there.</param>
    private Entry TakeEntry(CancellationToken cancellationToken, long waitStarted)
    {
        if (IsDisposed)
        {
            _slots.Release();
            throw new ObjectDisposedException(nameof(PluginPool));
        }
        Entry? entry = null;
        try
        {
            entry = PopIdle();
            if (entry is not null && IsStale(entry))
            {
                // Returned across a reload (see Return): retire it and start a fresh slot.
                Discard(entry);
                entry = null;
            }
            if (entry is null)
            {
                entry = new Entry();
                Track(entry);
            }
            EnsureInstance(entry, cancellationToken, waitStarted);
            return entry;
        }
        catch
        {
            if (entry is not null) Discard(entry);
            _slots.Release();
            throw;
        }
    }

    /// <summary>
    /// The entry's instance, creating it when the slot has none (new slot, or replaced after a
    /// failure). A creation stops at the caller's token and RentTimeout (counted from
    /// <paramref name="waitStarted"/>) like a wait for a free instance does, though libextism cannot
    /// stop a start function that never returns (BoundedCreation.cs).
    /// </summary>
    private Plugin EnsureInstance(Entry entry, CancellationToken cancellationToken, long waitStarted)
    {
        if (entry.Instance is { } existing) return existing;
        long deadline = _rentTimeoutMs < 0 ? 0 : waitStarted + _rentTimeoutMs * Stopwatch.Frequency / 1000;
        Plugin created;
        using (BoundedCreation.Enter(cancellationToken, deadline, CreationTimedOut))
        {
            created = CreateInstance(entry);
        }
        entry.Instance = created;
        int live = Interlocked.Increment(ref _live);
        for (int peak = Volatile.Read(ref _peak); live > peak; peak = Volatile.Read(ref _peak))
        {
            if (Interlocked.CompareExchange(ref _peak, live, peak) == peak) break;
        }
        return created;
    }

    /// <summary>Disposes the entry's instance; the slot (and its own engine, if any) stays.</summary>
    private void DropInstance(Entry entry)
    {
        if (entry.Instance is not { } instance) return;
        entry.Instance = null;
        instance.Dispose();
        entry.Generation!.ReleaseInstance();
        if (entry.Idle) _telemetry.Changed(-1, 0);
        else _telemetry.Changed(0, -1);
        Interlocked.Decrement(ref _live);
        _registryBudget?.InstanceDropped(this); // PluginPool.Registry.cs
    }

    /// <summary>Drops a broken or unwanted entry: slots with their own engine survive (idle, empty) unless the pool is disposed.</summary>
    private void Discard(Entry entry)
    {
        DropInstance(entry);
        if (entry.Engine is not null && !IsDisposed && !IsStale(entry))
        {
            PushIdle(entry);
            if (IsDisposed) DrainIdle(); // Dispose ran between the check and the push
            return;
        }
        entry.Engine?.Dispose();
        Forget(entry);
    }

    /// <summary>Gives back what a lease or a call held. Runs once per rental (the lease id guards copies of a lease).</summary>
    private void Return(Entry entry, int leaseId)
    {
        if (Interlocked.CompareExchange(ref entry.LeaseId, leaseId + 1, leaseId) != leaseId) return;
        // A lease user may call the plug-in directly and forget MarkBroken: the plug-in itself
        // remembers whether its last call failed in a way that leaves it unfit for reuse.
        if (entry.Broken || IsDisposed || IsStale(entry) || entry.Instance is { LastCallLeftInstanceUnusable: true })
        {
            entry.Broken = false;
            Discard(entry);
        }
        else
        {
            PushIdle(entry);
        }
        // Dispose may have drained the stack between our check and the push: drain again.
        if (IsDisposed) DrainIdle();
        _slots.Release();
    }

    private Entry? PopIdle()
    {
        lock (_idleLock)
        {
            if (_idleCount == 0) return null;
            Entry entry = _idle[--_idleCount];
            _idle[_idleCount] = null!;
            entry.Idle = false;
            if (entry.Instance is not null) _telemetry.Changed(-1, +1);
            return entry;
        }
    }

    private void PushIdle(Entry entry)
    {
        lock (_idleLock)
        {
            // Cannot overflow: every entry is either idle or held with one of MaxSize permits.
            _idle[_idleCount++] = entry;
            entry.Idle = true;
            if (entry.Instance is not null) _telemetry.Changed(+1, -1);
        }
    }

    private void DrainIdle()
    {
        while (PopIdle() is { } entry)
        {
            DropInstance(entry);
            entry.Engine?.Dispose();
            Forget(entry);
        }
    }

    /// <summary>
    /// One slot: its current instance (null until created or after a failure), for
    /// EnginePerInstance its own engine, and the generation both came from (null until the first).
    /// </summary>
    internal sealed class Entry
    {
        internal CompiledPlugin? Engine;
        internal PoolGeneration? Generation;
        internal Plugin? Instance;
        internal bool Idle;
        internal bool Broken;
        // Bumped by every return; a lease remembers the value it was issued with.
        internal int LeaseId;
    }
}

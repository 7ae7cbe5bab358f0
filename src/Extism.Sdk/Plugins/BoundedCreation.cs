using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// Makes a native instance from compiled code within a bound: the manifest's timeout, and the
/// waiting caller's token and deadline (a pool's RentTimeout). libextism runs every module's wasm
/// start function and <c>_initialize</c> inside <c>extism_plugin_new_from_compiled</c> (wasmtime's
/// <c>Linker::module</c> instantiates each module while libextism links them, plugin.rs relink /
/// add_module), under an epoch deadline nobody advances (its timer thread only interrupts
/// instances registered by a running call, timer.rs) and before the instance or its cancel
/// handle exists. Nothing but fuel can stop that code. So when there is a bound, the native
/// creation runs on a thread of its own and the caller stops waiting at the bound; a creation
/// that never ends is abandoned there: its thread (spinning a core), its store and a reference on
/// the compiled code stay until it ends (never, without a fuel limit), and the instance it may
/// still produce is freed. Abandoned creations are capped per compiled code (the same code would
/// most likely hang again) and per process; at a cap a creation waits within its bound for one to
/// end, then is refused.
/// </summary>
internal static class BoundedCreation
{
    /// <summary>Creations abandoned and still running that a process tolerates before refusing bounded creations.</summary>
    internal const int MaxAbandonedPerProcess = 8;

    /// <summary>Abandoned creations of one compiled code still running before its next creation is refused.</summary>
    internal const int MaxAbandonedPerCode = 1;

    /// <summary>
    /// The least time the manifest's timeout gives a creation. A creation is not only plug-in code:
    /// wasmtime's own instantiation (and a C or Rust guest's constructors) takes tens of
    /// milliseconds on a loaded machine, and a call timeout of a few milliseconds must not turn
    /// every benign creation into an abandoned one. A pool's RentTimeout gets the same floor; a
    /// caller's token is exact.
    /// </summary>
    internal static readonly TimeSpan MinimumTimeoutBound = TimeSpan.FromSeconds(1);

    private static int s_abandoned;

    // Set by a pool around a creation its caller waits for (PluginPool.CreateInstance): the
    // caller's token and deadline reach the factory or CompiledPlugin.Instantiate without
    // widening their signatures. Thread-static: the creation runs synchronously on that thread.
    // One reference, null when there is no bound: an unbounded creation (CompiledPlugin.Instantiate()
    // outside a pool) reads one thread-static instead of three.
    [ThreadStatic] private static Bound? t_bound;

    /// <summary>Abandoned creations still running in this process (tests, diagnostics).</summary>
    internal static int AbandonedRunning => Volatile.Read(ref s_abandoned);

    /// <summary>
    /// Until disposed, creations on this thread also stop at <paramref name="token"/> and at
    /// <paramref name="deadline"/> (a Stopwatch timestamp, 0 for none), failing with
    /// <paramref name="deadlineError"/> at the latter.
    /// </summary>
    internal static Scope Enter(CancellationToken token, long deadline, Func<Exception> deadlineError)
    {
        var scope = new Scope(t_bound);
        // Neither a token that can fire nor a deadline: no bound (the fast path stays fast).
        t_bound = token.CanBeCanceled || deadline != 0 ? new Bound(token, deadline, deadlineError) : null;
        return scope;
    }

    /// <summary>Restores the enclosing bound.</summary>
    internal readonly struct Scope(Bound? outer) : IDisposable
    {
        public void Dispose() => t_bound = outer;
    }

    /// <summary>A caller's bound on the creations it waits for: its token, its deadline (a Stopwatch timestamp, 0 for none) and the error at that deadline.</summary>
    internal sealed class Bound(CancellationToken token, long deadline, Func<Exception> deadlineError)
    {
        internal CancellationToken Token { get; } = token;

        internal long Deadline { get; } = deadline;

        internal Func<Exception> DeadlineError { get; } = deadlineError;
    }

    /// <summary>
    /// A new native instance of <paramref name="compiled"/> (the caller holds a reference on it),
    /// made within <paramref name="timeout"/> (the manifest's, null for none), the thread's
    /// <see cref="Enter"/> bound and <paramref name="token"/>.
    /// </summary>
    /// <exception cref="ExtismTimeoutException">The manifest's timeout passed first.</exception>
    /// <exception cref="OperationCanceledException">A token fired first.</exception>
    /// <exception cref="ExtismException">libextism failed (<see cref="ExtismErrorKind.Creation"/>), or too many abandoned creations still run.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static PluginHandle Run(CompiledPluginHandle compiled, TimeSpan? timeout, CancellationToken token = default)
        => timeout is null && !token.CanBeCanceled && t_bound is null
            ? InstanceSource.InstantiateNow(compiled)
            : RunBounded(compiled, timeout, token);

    // Out of line: the bounded way's frame (a linked token source, a wait) is not set up for the
    // unbounded creation, which is nearly every one.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PluginHandle RunBounded(CompiledPluginHandle compiled, TimeSpan? timeout, CancellationToken token)
    {
        Bound? outer = t_bound;
        CancellationToken ambient = outer?.Token ?? default;
        long ambientDeadline = outer?.Deadline ?? 0;
        Func<Exception>? ambientError = outer?.DeadlineError;
        token.ThrowIfCancellationRequested();
        ambient.ThrowIfCancellationRequested();
        long now = Stopwatch.GetTimestamp();
        TimeSpan? bound = timeout is { } t ? (t > MinimumTimeoutBound ? t : MinimumTimeoutBound) : null;
        long manifestDeadline = bound is { } b ? now + (long)(b.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        // A RentTimeout gives a creation the same least time as the manifest's timeout (a RentTimeout
        // of zero means "do not wait for a busy instance", not "do not make one").
        if (ambientDeadline != 0) ambientDeadline = Math.Max(ambientDeadline, now + (long)(MinimumTimeoutBound.TotalSeconds * Stopwatch.Frequency));
        long waitDeadline = ambientDeadline != 0 ? Math.Min(manifestDeadline, ambientDeadline) : manifestDeadline;

        // At a cap, wait (within the same bound) for an abandoned creation to end: a benign one,
        // abandoned because its caller's deadline had nearly passed, ends within milliseconds and
        // must not make its code refuse creations. A hung one does not end, and then we refuse.
        while (Volatile.Read(ref compiled.AbandonedCreations) >= MaxAbandonedPerCode || AbandonedRunning >= MaxAbandonedPerProcess)
        {
            if (Stopwatch.GetTimestamp() >= waitDeadline || token.IsCancellationRequested || ambient.IsCancellationRequested)
            {
                throw Refused(compiled);
            }
            Thread.Sleep(1);
        }

        var job = new Job(compiled);
        Workers.Post(job);

        using var linked = token.CanBeCanceled && ambient.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(token, ambient) : null;
        CancellationToken wait = linked?.Token ?? (token.CanBeCanceled ? token : ambient);
        bool finished;
        try
        {
            finished = WaitUntil(job.Done, waitDeadline, wait);
        }
        catch (OperationCanceledException)
        {
            finished = false;
        }
        if (finished || !job.TryAbandon())
        {
            return job.Result();
        }
        // Abandoned: say why the caller stopped waiting.
        token.ThrowIfCancellationRequested();
        ambient.ThrowIfCancellationRequested();
        if (waitDeadline == ambientDeadline && waitDeadline < manifestDeadline && ambientError is not null) throw ambientError();
        throw new ExtismTimeoutException(
            $"timeout: creating the plug-in took longer than the manifest's timeout ({timeout}; at least {MinimumTimeoutBound.TotalSeconds:0} s for a creation): its start function or _initialize " +
            "did not return. The creation was abandoned and runs on in the background until it ends (a fuel limit ends it).", null);
    }

    private static ExtismException Refused(CompiledPluginHandle compiled) => new(
        $"Refused to create another instance: {AbandonedRunning} earlier creation(s) in this process ({Volatile.Read(ref compiled.AbandonedCreations)} of this plug-in's code) " +
        "overran their bound and still run (a start function or _initialize that does not return). Give untrusted plug-ins a fuel limit " +
        "(Manifest.Untrusted / PluginInitializationOptions.Untrusted), which ends such code.",
        ExtismErrorKind.Creation, null);

    private static bool WaitUntil(ManualResetEventSlim done, long deadline, CancellationToken token)
    {
        if (deadline == long.MaxValue) return done.Wait(Timeout.Infinite, token);
        long left = deadline - Stopwatch.GetTimestamp();
        if (left <= 0) return done.IsSet;
        double ms = Math.Ceiling(left * 1000.0 / Stopwatch.Frequency);
        return done.Wait((int)Math.Min(ms, int.MaxValue - 1), token);
    }

    /// <summary>
    /// Dedicated threads that run bounded creations, kept idle for reuse: a thread started per
    /// creation cost 19 times an inline instantiation (paired, echo.wasm, loaded 2-core machine),
    /// a handoff to a waiting thread costs a few microseconds. Not the .NET thread pool: a hung
    /// creation would hold one of its threads, and a caller waiting on a starved pool would see
    /// its bound expire for a benign creation. A thread whose creation hangs is simply gone
    /// (it is the abandoned creation's thread); the next post starts another.
    /// </summary>
    private static class Workers
    {
        private const int MaxIdle = 4;
        private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);
        private static readonly ConcurrentQueue<Job> s_queue = new();
        private static readonly SemaphoreSlim s_work = new(0);
        private static int s_idle; // waiting workers no post has claimed yet

        internal static void Post(Job job)
        {
            s_queue.Enqueue(job);
            if (!TryTakeIdle())
            {
                var thread = new Thread(static () => Run()) { IsBackground = true, Name = "Extism plug-in creation" };
                thread.UnsafeStart();
            }
            s_work.Release();
        }

        private static bool TryTakeIdle()
        {
            for (int idle = Volatile.Read(ref s_idle); idle > 0; idle = Volatile.Read(ref s_idle))
            {
                if (Interlocked.CompareExchange(ref s_idle, idle - 1, idle) == idle) return true;
            }
            return false;
        }

        private static void Run()
        {
            while (true)
            {
                if (!s_work.Wait(IdleLifetime))
                {
                    if (TryTakeIdle()) return; // idle long enough: retire (a claimed worker waits on)
                    continue;
                }
                if (s_queue.TryDequeue(out Job? job)) job.Execute();
                if (Interlocked.Increment(ref s_idle) > MaxIdle)
                {
                    Interlocked.Decrement(ref s_idle);
                    return;
                }
            }
        }
    }

    /// <summary>One creation on a worker thread; whoever of creator and waiter comes second disposes what is left.</summary>
    private sealed class Job
    {
        private readonly CompiledPluginHandle _compiled;
        private readonly bool _referenced;
        private PluginHandle? _native;
        private Exception? _failure;
        private bool _abandoned;
        private readonly object _gate = new();
        // Never disposed: the creating thread may still set it after the waiter took the result.
        internal readonly ManualResetEventSlim Done = new(false, spinCount: 2047); // most creations end within ~100 us: spin before blocking

        internal Job(CompiledPluginHandle compiled)
        {
            // The thread's own reference: an abandoned creation must not see its code freed.
            compiled.DangerousAddRef(ref _referenced);
            _compiled = compiled;
        }

        internal void Execute()
        {
            PluginHandle? native = null;
            Exception? failure = null;
            try
            {
                native = InstanceSource.InstantiateNow(_compiled);
            }
            catch (Exception e)
            {
                failure = e;
            }
            bool abandoned;
            lock (_gate)
            {
                abandoned = _abandoned;
                _native = native;
                _failure = failure;
            }
            if (_referenced) _compiled.DangerousRelease();
            if (abandoned)
            {
                native?.Dispose();
                Interlocked.Decrement(ref _compiled.AbandonedCreations);
                Interlocked.Decrement(ref s_abandoned);
                return;
            }
            Done.Set();
        }

        /// <summary>False when the creation finished meanwhile (then <see cref="Result"/> has it).</summary>
        internal bool TryAbandon()
        {
            lock (_gate)
            {
                if (_native is not null || _failure is not null) return false;
                _abandoned = true;
                Interlocked.Increment(ref _compiled.AbandonedCreations);
                Interlocked.Increment(ref s_abandoned);
                return true;
            }
        }

        internal PluginHandle Result()
        {
            lock (_gate)
            {
                if (_failure is not null) ExceptionDispatchInfo.Throw(_failure);
                return _native!;
            }
        }
    }
}

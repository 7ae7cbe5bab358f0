using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Extism.Sdk.Isolation;

namespace Extism.Sdk;

/// <summary>
/// Runs a plug-in in worker processes, so that nothing the plug-in or libextism does can take the
/// host process down: a crash costs one worker and the call it was running. Each worker holds one
/// instance and runs one call at a time; calls queue for a free worker, workers start on first
/// need and are reused. A worker that crashes, hangs past <see cref="IsolatedPluginPoolOptions.CallDeadline"/>
/// or grows past <see cref="IsolatedPluginPoolOptions.MaxWorkerMemoryBytes"/> is killed and reaped; its call
/// fails with <see cref="ExtismWorkerException"/> and the next call gets a fresh worker. The host
/// process never loads libextism for these plug-ins. Thread-safe.
/// </summary>
/// <remarks>
/// What differs from <see cref="PluginPool"/>: each call crosses a pipe (input, output and every
/// host-function call are copied); instance state (vars, memory) lives in the worker and is lost
/// with it; host functions are <see cref="IsolatedHostFunction"/>s, whose memory access is a round trip.
/// </remarks>
public sealed partial class IsolatedPluginPool : IDisposable, IAsyncDisposable
{
    // How often the monitor checks busy workers' deadlines, cancels and memory.
    private static readonly TimeSpan MonitorPeriod = TimeSpan.FromMilliseconds(50);

    private readonly byte[] _createPayload;
    private readonly IsolatedHostFunction[] _functions;
    private readonly WorkerLaunch _launch;
    private readonly TimeSpan? _callDeadline;
    private readonly long? _maxMemory;
    private readonly WorkerLimits _limits;
    private readonly TimeSpan _startTimeout;
    private readonly long _cancelGrace;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<WorkerProcess> _idle = new();
    private readonly List<WorkerProcess> _live = new();
    private readonly Timer _monitor;
    private int _disposed;

    /// <summary>Creates the pool. No worker starts until the first call.</summary>
    /// <param name="manifest">The plug-in; validated here and sent to each worker as JSON (byte sources as base64).</param>
    /// <param name="functions">Host functions the plug-in may import; they run in this process.</param>
    /// <param name="options">Limits and the worker's location; null for the defaults.</param>
    /// <exception cref="ArgumentException">The manifest is invalid, or an option is out of range (MaxWorkers, CallDeadline, MaxWorkerMemoryBytes, MaxWorkerCpuTime, FuelLimit, WorkerStartTimeout not positive).</exception>
    /// <exception cref="FileNotFoundException">The worker executable was not found; the message says where it was looked for.</exception>
    public IsolatedPluginPool(Manifest manifest, IsolatedHostFunction[]? functions = null, IsolatedPluginPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new IsolatedPluginPoolOptions();
        if (options.MaxWorkers <= 0) throw new ArgumentException("MaxWorkers must be positive.", nameof(options));
        if (options.CallDeadline is { } deadline && deadline <= TimeSpan.Zero) throw new ArgumentException("CallDeadline must be positive (null for none).", nameof(options));
        if (options.MaxWorkerMemoryBytes is <= 0) throw new ArgumentException("MaxWorkerMemoryBytes must be positive (null for no limit).", nameof(options));
        if (options.FuelLimit is <= 0) throw new ArgumentException("FuelLimit must be positive (null for no limit).", nameof(options));
        if (options.MaxWorkerCpuTime is { } cpu && cpu <= TimeSpan.Zero) throw new ArgumentException("MaxWorkerCpuTime must be positive (null for no limit).", nameof(options));
        if (options.WorkerStartTimeout <= TimeSpan.Zero || options.CancelGracePeriod < TimeSpan.Zero) throw new ArgumentException("WorkerStartTimeout must be positive and CancelGracePeriod not negative.", nameof(options));
        ManifestValidator.Validate(manifest, options.WithWasi);
        _functions = functions is null ? [] : (IsolatedHostFunction[])functions.Clone();
        _launch = WorkerLaunch.Locate(options.WorkerPath);
        _createPayload = CreatePayload(manifest, _functions, options.WithWasi, options.FuelLimit, options.MaxWorkerCpuTime);
        Name = options.Name ?? manifest.Sources.FirstOrDefault()?.Name ?? "isolated";
        MaxWorkers = options.MaxWorkers;
        _callDeadline = options.CallDeadline;
        _maxMemory = options.MaxWorkerMemoryBytes;
        _limits = new WorkerLimits(options.MaxWorkerCpuTime, options.MaxWorkerMemoryBytes);
        _startTimeout = options.WorkerStartTimeout;
        _cancelGrace = (long)(options.CancelGracePeriod.TotalSeconds * Stopwatch.Frequency);
        _slots = new SemaphoreSlim(MaxWorkers, MaxWorkers);
        _monitor = new Timer(static pool => ((IsolatedPluginPool)pool!).Monitor(), this, MonitorPeriod, MonitorPeriod);
    }

    /// <summary>The pool's name in metrics.</summary>
    public string Name { get; }

    /// <summary>The most workers (and so concurrent calls) the pool runs.</summary>
    public int MaxWorkers { get; }

    /// <summary>Worker processes alive now (idle or busy).</summary>
    public int Count
    {
        get
        {
            lock (_live) return _live.Count;
        }
    }

    /// <summary>Process ids of the live workers (for tests and diagnostics).</summary>
    internal int[] WorkerIds()
    {
        lock (_live) return _live.Select(w => w.Pid).ToArray();
    }

    private static byte[] CreatePayload(Manifest manifest, IsolatedHostFunction[] functions, bool withWasi, long? fuelLimit, TimeSpan? cpuTime)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJsonContext.Default.Manifest);
        long timeout = manifest.Timeout is { } t ? (long)Manifest.TimeoutMilliseconds(t) : -1;
        var payload = new PayloadWriter().U8(withWasi ? (byte)1 : (byte)0).I64(timeout).I64(fuelLimit ?? -1).I64(cpuTime is { } cpu ? (long)Math.Ceiling(cpu.TotalMilliseconds) : -1).Bytes(json).I32(functions.Length);
        foreach (IsolatedHostFunction function in functions)
        {
            ArgumentNullException.ThrowIfNull(function, nameof(functions));
            payload.String(function.Name).String(function.Namespace).Bytes(Types(function.InputTypes)).Bytes(Types(function.OutputTypes));
        }
        return payload.WrittenSpan.ToArray();

        static byte[] Types(IReadOnlyList<Native.ExtismValType> types) => types.Select(t => (byte)t).ToArray();
    }

    /// <summary>
    /// Starts workers ahead of calls, so that the first calls do not wait for a worker to start
    /// and compile the plug-in. Takes <paramref name="workers"/> worker slots at once (waiting, as a
    /// call does, while all are busy), fills each with a worker, an idle one still running or a new
    /// one, and gives them back idle. So when it returns, that many workers are up, and a worker
    /// that died while idle has been replaced. Workers that started stay when another one fails.
    /// </summary>
    /// <param name="workers">How many workers should be up; more than <see cref="MaxWorkers"/> counts as <see cref="MaxWorkers"/>, 0 does nothing.</param>
    /// <param name="cancellationToken">Stops the wait for a slot; a worker already starting finishes its start and stays.</param>
    /// <returns>A task that completes when the workers are up.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is negative.</exception>
    /// <exception cref="ExtismWorkerException">A worker could not start, or died or stalled before its plug-in was ready (<see cref="WorkerExitReason.StartFailed"/>), as a call would have failed.</exception>
    /// <exception cref="ExtismException">The worker could not create the plug-in (for example <see cref="ExtismErrorKind.Creation"/> for a module that does not load).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting for a slot.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public async Task PrewarmAsync(int workers, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Every slot is held until all are filled: each rent then gets a worker of its own.
        var rents = new Task<WorkerProcess>[Math.Min(workers, MaxWorkers)];
        for (int i = 0; i < rents.Length; i++) rents[i] = RentAsync(cancellationToken);
        try
        {
            await Task.WhenAll(rents).ConfigureAwait(false);
        }
        finally
        {
            // A failed rent has already given its slot back.
            foreach (Task<WorkerProcess> rent in rents)
            {
                if (rent.IsCompletedSuccessfully) Return(rent.Result);
            }
        }
    }

    /// <summary>Waits for a free slot and returns its worker, starting one when none is idle.</summary>
    private WorkerProcess Rent(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _slots.Wait(cancellationToken);
        return TakeWorker();
    }

    private async Task<WorkerProcess> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Starting a worker blocks (spawn, then wait until it is ready): off the caller's thread.
        return _idle.TryPeek(out _) ? TakeWorker() : await Task.Run(TakeWorker, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Called with a slot held; gives the slot back when it fails.</summary>
    private WorkerProcess TakeWorker()
    {
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            while (_idle.TryPop(out WorkerProcess? worker))
            {
                if (!worker.IsDead && !worker.HasExited) return worker;
                // Died while idle (killed from outside, most likely): counted, and replaced without costing a call.
                if (!worker.IsDead) _ = worker.Died("(idle)", null);
                Retire(worker);
            }
            WorkerProcess started = WorkerProcess.Start(_launch, _createPayload, _startTimeout, Name, _functions, _limits);
            lock (_live) _live.Add(started);
            if (Volatile.Read(ref _disposed) != 0)
            {
                Retire(started);
                throw new ObjectDisposedException(nameof(IsolatedPluginPool));
            }
            return started;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives the worker back (or retires it when it died) and frees its slot.</summary>
    private void Return(WorkerProcess worker)
    {
        if (worker.IsDead || Volatile.Read(ref _disposed) != 0)
        {
            Retire(worker);
        }
        else
        {
            _idle.Push(worker);
            // A Dispose that ran between the check and the push has already emptied the stack.
            if (Volatile.Read(ref _disposed) != 0)
            {
                while (_idle.TryPop(out WorkerProcess? late)) Retire(late);
            }
        }
        _slots.Release();
    }

    private void Retire(WorkerProcess worker)
    {
        lock (_live) _live.Remove(worker);
        worker.Dispose();
    }

    private void Monitor()
    {
        WorkerProcess[] workers;
        lock (_live)
        {
            if (_live.Count == 0) return;
            workers = _live.ToArray();
        }
        long now = Stopwatch.GetTimestamp();
        foreach (WorkerProcess worker in workers) worker.Check(now, _cancelGrace, _maxMemory);
    }

    /// <summary>
    /// Ends every worker: idle ones exit when their stdin closes, busy ones are killed (their
    /// calls fail with <see cref="ObjectDisposedException"/>). Returns when the processes are reaped.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _monitor.Dispose();
        while (_idle.TryPop(out WorkerProcess? worker)) Retire(worker);
        WorkerProcess[] busy;
        lock (_live) busy = _live.ToArray();
        foreach (WorkerProcess worker in busy) worker.KillForDispose();
    }

    /// <summary>Like <see cref="Dispose"/>, off the caller's thread.</summary>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));
}

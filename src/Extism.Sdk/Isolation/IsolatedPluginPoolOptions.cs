namespace Extism.Sdk;

/// <summary>
/// Settings of an <see cref="IsolatedPluginPool"/>. The pool copies them when it is created;
/// changing the object afterwards has no effect on it.
/// </summary>
public sealed class IsolatedPluginPoolOptions
{
    /// <summary>The pool's name in metrics (<c>extism.pool</c>); default: the first wasm source's name, or "isolated".</summary>
    public string? Name { get; set; }

    /// <summary>
    /// At most this many worker processes, each running one plug-in instance and one call at a
    /// time. Further calls wait for a free worker. Default: <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public int MaxWorkers { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// A call still running after this long gets its worker killed and fails with
    /// <see cref="ExtismWorkerException"/> (<see cref="WorkerExitReason.Hung"/>). Unlike the
    /// manifest's timeout this also stops a worker that is stuck outside guest code (in
    /// libextism, or in a host function waiting for the host). Null (the default): no deadline.
    /// </summary>
    public TimeSpan? CallDeadline { get; set; }

    /// <summary>
    /// A worker whose resident memory (RSS) passes this many bytes during a call is killed, and
    /// the call fails with <see cref="ExtismWorkerException"/> (<see cref="WorkerExitReason.MemoryLimit"/>).
    /// Checked about every 50 ms while the worker is busy (from /proc on Linux, the working set
    /// elsewhere), so a fast allocation can overshoot briefly. A worker's RSS includes the .NET
    /// runtime and libextism (tens of MiB) as well as the plug-in. Null (the default): no limit.
    /// </summary>
    public long? MaxWorkerMemoryBytes { get; set; }

    /// <summary>
    /// CPU time a worker may burn in one call, enforced by the OS: a worker past it is killed and
    /// the call fails with <see cref="ExtismWorkerException"/> (<see cref="WorkerExitReason.CpuLimit"/>).
    /// Unlike <see cref="CallDeadline"/> this counts CPU, not wall-clock time (a call waiting for a host
    /// function or for a core uses none), and the kernel enforces it even if the pool's monitor is
    /// starved. On Linux the worker sets its own <c>RLIMIT_CPU</c> before each call, to its CPU time so
    /// far plus this, rounded up to a whole second (the kernel counts seconds; all the worker's
    /// threads count), puts it back after the call, and turns off core dumps; the kernel ends it
    /// with SIGXCPU. On Windows the host puts each worker in a job object whose per-process
    /// user-time limit it sets before each call and lifts after it (user-mode time only). Elsewhere
    /// it is not enforced. Null (the default): no limit.
    /// </summary>
    public TimeSpan? MaxWorkerCpuTime { get; set; }

    /// <summary>
    /// Fuel (wasm instructions, roughly) each call may burn, as <see cref="PluginInitializationOptions.FuelLimit"/>
    /// in process: the worker's instance gets it, and a call that runs out fails with
    /// <see cref="ExtismFuelExhaustedException"/> (kind <see cref="ExtismErrorKind.FuelExhausted"/>);
    /// the worker lives on. Null (the default): no limit.
    /// </summary>
    public long? FuelLimit { get; set; }

    /// <summary>Create the plug-ins with WASI (default false).</summary>
    public bool WithWasi { get; set; }

    /// <summary>
    /// The worker executable (<c>Extism.Sdk.Worker</c>, <c>.exe</c> on Windows) or its
    /// <c>Extism.Sdk.Worker.dll</c> (run with <c>dotnet</c>). Null (the default): the
    /// <c>EXTISM_WORKER_PATH</c> environment variable, then next to the app and the Extism.Sdk assembly.
    /// </summary>
    public string? WorkerPath { get; set; }

    /// <summary>How long a worker may take to start and create its plug-in (compilation included) before it counts as failed. Default 30 s.</summary>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a cancelled call's worker may take to stop the call before it is killed (<see cref="WorkerExitReason.Hung"/>). Default 2 s.</summary>
    public TimeSpan CancelGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A copy of every setting (all are values or strings), for owners that must not see later changes.</summary>
    internal IsolatedPluginPoolOptions Copy() => (IsolatedPluginPoolOptions)MemberwiseClone();
}

using Extism.Sdk;
using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// A plug-in registered with <c>AddExtismIsolatedPlugin</c>: owns its <see cref="ExtismIsolatedPlugin"/>.
/// A reload builds a new <see cref="IsolatedPluginPool"/>, starts one of its workers (which
/// compiles the plug-in there) and only then swaps it in, so that a module that does not load
/// leaves the running generation serving.
/// </summary>
internal sealed class IsolatedPluginRuntime : PluginRuntimeBase
{
    // An export no plug-in is expected to have. Calling it is how a worker is started without
    // running guest code: IsolatedPluginPool starts workers on demand only, and a worker creates
    // its plug-in before it answers any call, so "function not found" proves the worker is up with
    // the plug-in loaded. (An IsolatedPluginPool API to start workers would replace this.)
    private const string StartCheckExport = "extism-hosting:start-check";

    private readonly IsolatedHostFunction[] _functions;

    internal IsolatedPluginRuntime(ExtismPluginRegistration registration, IServiceProvider services) : base(registration, services)
    {
        _functions = registration.CreateIsolatedHostFunctions(services);
        Plugin = new ExtismIsolatedPlugin(Name, CreatePool(Options));
        StartWatching();
    }

    internal ExtismIsolatedPlugin Plugin { get; }

    internal override int Generation => Plugin.Generation;

    /// <summary>
    /// Starts <see cref="ExtismPluginOptions.Prewarm"/> workers, at least one, all at once: a worker
    /// that cannot start (missing worker, a module that does not compile) fails the host's start.
    /// </summary>
    internal override async Task StartAsync(CancellationToken cancellationToken)
    {
        int count = Math.Clamp(Options.Prewarm, 1, Plugin.MaxWorkers);
        // Concurrent checks: each holds its worker until it answers, so each starts its own.
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Plugin.CheckWorkerAsync(cancellationToken))).ConfigureAwait(false);
        Logger.LogInformation("Extism plug-in '{Plugin}': {Count} worker process(es) started.", Name, count);
    }

    internal override Task<bool> DrainAsync(CancellationToken cancellationToken) => Plugin.DrainAsync(cancellationToken);

    protected override int ReloadCore(ExtismPluginOptions options)
    {
        IsolatedPluginPool pool = CreatePool(options);
        try
        {
            CheckWorkerAsync(pool, CancellationToken.None).GetAwaiter().GetResult(); // on the reload's own thread-pool thread
        }
        catch
        {
            pool.Dispose();
            throw;
        }
        return Plugin.Swap(pool);
    }

    /// <summary>Gets a worker of <paramref name="pool"/> to answer (starting one when none is idle); throws <see cref="ExtismWorkerException"/> when it cannot, or the <see cref="ExtismException"/> of the plug-in's creation in the worker.</summary>
    internal static async Task CheckWorkerAsync(IsolatedPluginPool pool, CancellationToken cancellationToken)
    {
        try
        {
            await pool.CallAsync(StartCheckExport, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (ExtismException e) when (e.Kind == ExtismErrorKind.FunctionNotFound)
        {
            // The expected answer. Anything else fails the check: ExtismWorkerException (the
            // worker did not start or died), or the plug-in's creation error (e.g. Creation).
        }
    }

    private IsolatedPluginPool CreatePool(ExtismPluginOptions options)
    {
        IsolatedPluginPoolOptions worker = options.Worker;
        return new IsolatedPluginPool(options.Manifest!, _functions, new IsolatedPluginPoolOptions
        {
            Name = worker.Name ?? Name,
            MaxWorkers = worker.MaxWorkers,
            CallDeadline = worker.CallDeadline,
            MaxWorkerMemoryBytes = worker.MaxWorkerMemoryBytes,
            FuelLimit = options.FuelLimit ?? worker.FuelLimit,
            WithWasi = worker.WithWasi || options.WithWasi,
            WorkerPath = worker.WorkerPath,
            WorkerStartTimeout = worker.WorkerStartTimeout,
            CancelGracePeriod = worker.CancelGracePeriod,
        });
    }

    protected override void DisposeCore() => Plugin.Dispose();
}

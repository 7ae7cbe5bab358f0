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
        await Plugin.PrewarmAsync(count, cancellationToken).ConfigureAwait(false);
        Logger.LogInformation("Extism plug-in '{Plugin}': {Count} worker process(es) started.", Name, count);
    }

    internal override Task<bool> DrainAsync(CancellationToken cancellationToken) => Plugin.DrainAsync(cancellationToken);

    protected override int ReloadCore(ExtismPluginOptions options)
    {
        IsolatedPluginPool pool = CreatePool(options);
        try
        {
            // A worker reports ready once it has created the plug-in: a module that does not load fails here.
            pool.PrewarmAsync(1).GetAwaiter().GetResult(); // on the reload's own thread-pool thread
        }
        catch
        {
            pool.Dispose();
            throw;
        }
        return Plugin.Swap(pool);
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
            MaxWorkerCpuTime = worker.MaxWorkerCpuTime,
            WithWasi = worker.WithWasi || options.WithWasi,
            WorkerPath = worker.WorkerPath,
            WorkerStartTimeout = worker.WorkerStartTimeout,
            CancelGracePeriod = worker.CancelGracePeriod,
        });
    }

    protected override void DisposeCore() => Plugin.Dispose();
}

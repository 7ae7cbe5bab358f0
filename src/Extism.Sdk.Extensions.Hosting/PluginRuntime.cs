using Extism.Sdk;
using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// A plug-in registered with <c>AddExtismPlugin</c>: owns its <see cref="PluginPool"/>. A reload
/// swaps the pool's generation (<see cref="PluginPool.Reload"/>): the same pool object keeps serving.
/// </summary>
internal sealed class PluginRuntime : PluginRuntimeBase
{
    private readonly HostFunction[] _functions;

    internal PluginRuntime(ExtismPluginRegistration registration, IServiceProvider services) : base(registration, services)
    {
        _functions = registration.CreateHostFunctions(services);
        Pool = new PluginPool(Options.Manifest!, _functions, PluginOptions(Options), PoolOptions(Options, Name));
        StartWatching();
    }

    internal PluginPool Pool { get; }

    internal override int Generation => Pool.Generation;

    /// <summary>Makes <see cref="ExtismPluginOptions.Prewarm"/> instances, all at once, then returns them to the pool.</summary>
    internal override async Task StartAsync(CancellationToken cancellationToken)
    {
        int count = Math.Min(Options.Prewarm, Pool.MaxSize);
        var leases = new List<PluginPool.Lease>(count);
        try
        {
            for (int i = 0; i < count; i++) leases.Add(await Pool.RentAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            foreach (PluginPool.Lease lease in leases) lease.Dispose();
        }
        if (count > 0) Logger.LogInformation("Extism plug-in '{Plugin}': {Count} instance(s) prewarmed.", Name, count);
    }

    internal override Task<bool> DrainAsync(CancellationToken cancellationToken) => Pool.DrainAsync(cancellationToken);

    protected override int ReloadCore(ExtismPluginOptions options) => Pool.Reload(options.Manifest!, _functions, PluginOptions(options));

    private static PluginInitializationOptions PluginOptions(ExtismPluginOptions options) =>
        new() { WithWasi = options.WithWasi, FuelLimit = options.FuelLimit };

    private static PluginPoolOptions PoolOptions(ExtismPluginOptions options, string name) => new()
    {
        MaxSize = options.Pool.MaxSize,
        RentTimeout = options.Pool.RentTimeout,
        Isolation = options.Pool.Isolation,
        MaxInterruptionRetries = options.Pool.MaxInterruptionRetries,
        Name = options.Pool.Name ?? name,
    };

    protected override void DisposeCore() => Pool.Dispose();
}

using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// One named plug-in in a host: owns its <see cref="PluginPool"/> and reloads it when its wasm
/// files or its configuration change. Reloads are debounced, run one at a time on the thread
/// pool, and swap the pool's generation (<see cref="PluginPool.Reload"/>): the same pool object
/// keeps serving, and a reload that fails leaves the running code in place.
/// </summary>
internal sealed partial class PluginRuntime : IDisposable
{
    private readonly ExtismPluginRegistration _registration;
    private readonly ILogger _logger;
    private readonly HostFunction[] _functions;
    private readonly Timer _debounce;
    private readonly object _gate = new();
    private ExtismPluginOptions _options;
    private string? _configSnapshot;
    private IDisposable? _configSubscription;
    private List<FileSystemWatcher> _watchers = [];
    private bool _reloading;
    private bool _pending;
    private bool _disposed;

    internal PluginRuntime(ExtismPluginRegistration registration, IServiceProvider services)
    {
        _registration = registration;
        _logger = services.GetService<ILoggerFactory>()?.CreateLogger("Extism.Sdk.Extensions.Hosting") ?? NullLogger.Instance;
        // Validated here too: resolving the pool before the host starts must not skip the checks.
        _options = services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get(registration.Name);
        List<string> errors = ExtismPluginOptionsValidator.Check(_options);
        if (errors.Count > 0) throw new OptionsValidationException(registration.Name, typeof(ExtismPluginOptions), errors.Select(e => $"Extism plug-in '{Name}': {e}"));
        _functions = registration.CreateHostFunctions(services);
        Pool = new PluginPool(_options.Manifest!, _functions, PluginOptions(_options), PoolOptions(_options, Name));
        _debounce = new Timer(static state => ((PluginRuntime)state!).RunReload(), this, Timeout.Infinite, Timeout.Infinite);
        if (registration.Configuration is { } configuration)
        {
            _configSnapshot = ExtismPluginConfiguration.Snapshot(configuration);
            _configSubscription = ChangeToken.OnChange(configuration.GetReloadToken, static state => ((PluginRuntime)state!).Changed(), this);
        }
        WatchFiles();
        _logger.LogInformation("Extism plug-in '{Plugin}' loaded (generation {Generation}).", Name, Pool.Generation);
    }

    internal string Name => _registration.Name;

    internal PluginPool Pool { get; }

    internal ExtismPluginOptions Options => Volatile.Read(ref _options);

    /// <summary>Why the last reload failed; null when it succeeded or none has failed.</summary>
    internal string? LastReloadError { get; private set; }

    /// <summary>Reloads attempted so far, successful or not (for tests and health).</summary>
    internal int ReloadAttempts => Volatile.Read(ref _attempts);

    private int _attempts;

    /// <summary>Makes <see cref="ExtismPluginOptions.Prewarm"/> instances, all at once, then returns them to the pool.</summary>
    internal async Task PrewarmAsync(CancellationToken cancellationToken)
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
        if (count > 0) _logger.LogInformation("Extism plug-in '{Plugin}': {Count} instance(s) prewarmed.", Name, count);
    }

    /// <summary>A file or the configuration changed: (re)start the debounce period.</summary>
    private void Changed()
    {
        lock (_gate)
        {
            if (_disposed || !Options.ReloadOnChange && _registration.Configuration is null) return;
            _debounce.Change(Options.ReloadDebounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void RunReload()
    {
        lock (_gate)
        {
            if (_disposed) return;
            if (_reloading)
            {
                _pending = true; // runs again when the current one ends
                return;
            }
            _reloading = true;
        }
        try
        {
            Reload();
        }
        finally
        {
            bool again;
            lock (_gate)
            {
                _reloading = false;
                again = _pending && !_disposed;
                _pending = false;
            }
            if (again) Changed();
        }
    }

    /// <summary>Re-reads the configuration (when bound to one) and swaps in a new generation; on any failure keeps the running one.</summary>
    internal void Reload()
    {
        ExtismPluginOptions options = Options;
        if (_registration.Configuration is { } configuration)
        {
            string snapshot = ExtismPluginConfiguration.Snapshot(configuration);
            if (snapshot != _configSnapshot)
            {
                var fresh = new ExtismPluginOptions();
                ExtismPluginConfiguration.Read(configuration, fresh);
                List<string> errors = ExtismPluginOptionsValidator.Check(fresh);
                if (errors.Count > 0)
                {
                    Failed("the changed configuration is invalid: " + string.Join(" ", errors), null);
                    return;
                }
                if (!fresh.ReloadOnChange)
                {
                    _configSnapshot = snapshot;
                    Volatile.Write(ref _options, fresh);
                    return;
                }
                options = fresh;
            }
            else if (!options.ReloadOnChange)
            {
                return;
            }
            Interlocked.Increment(ref _attempts);
            if (!TryReload(options)) return;
            _configSnapshot = snapshot;
        }
        else
        {
            Interlocked.Increment(ref _attempts);
            if (!TryReload(options)) return;
        }
        if (!ReferenceEquals(options, Options))
        {
            Volatile.Write(ref _options, options);
            WatchFiles(); // the paths may have changed
        }
    }

    private bool TryReload(ExtismPluginOptions options)
    {
        // Checked here rather than left to libextism, whose answer for non-wasm bytes comes from
        // its WAT parser and does not say that the file is not a module.
        if (WasmBytesCheck.Problem(options.Manifest!) is { } notWasm)
        {
            Failed(notWasm, null);
            return false;
        }
        try
        {
            int generation = Pool.Reload(options.Manifest!, _functions, PluginOptions(options));
            LastReloadError = null;
            HostingTelemetry.Reloaded(Name, null);
            _logger.LogInformation("Extism plug-in '{Plugin}' reloaded: generation {Generation} now serves new calls.", Name, generation);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false; // shutting down
        }
        catch (Exception e)
        {
            Failed(e.Message, e);
            return false;
        }
    }

    private void Failed(string reason, Exception? exception)
    {
        LastReloadError = reason;
        HostingTelemetry.Reloaded(Name, exception ?? new InvalidOperationException(reason));
        _logger.LogError(exception, "Extism plug-in '{Plugin}' was not reloaded, generation {Generation} keeps serving: {Reason}", Name, Pool.Generation, reason);
    }

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

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _debounce.Dispose();
        _configSubscription?.Dispose();
        StopWatching();
        Pool.Dispose();
    }
}

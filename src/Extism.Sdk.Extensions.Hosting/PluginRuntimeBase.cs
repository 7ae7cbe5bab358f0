using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// One named plug-in in a host, in-process (<see cref="PluginRuntime"/>) or in worker processes
/// (<see cref="IsolatedPluginRuntime"/>): validates its options, and reloads it when its wasm
/// files or its configuration change. Reloads are debounced, run one at a time on the thread
/// pool, and a reload that fails leaves the running code in place. How the new code is swapped
/// in is the subclass's (<see cref="ReloadCore"/>).
/// </summary>
internal abstract partial class PluginRuntimeBase : IDisposable
{
    private readonly ExtismPluginRegistration _registration;
    private readonly ILogger _logger;
    private readonly Timer _debounce;
    private readonly object _gate = new();
    private ExtismPluginOptions _options;
    private string? _configSnapshot;
    private IDisposable? _configSubscription;
    private List<FileSystemWatcher> _watchers = [];
    private bool _reloading;
    private bool _pending;
    private bool _disposed;
    private int _attempts;
    private int _filesChanged;

    protected PluginRuntimeBase(ExtismPluginRegistration registration, IServiceProvider services)
    {
        _registration = registration;
        _logger = services.GetService<ILoggerFactory>()?.CreateLogger("Extism.Sdk.Extensions.Hosting") ?? NullLogger.Instance;
        // Validated here too: resolving the pool before the host starts must not skip the checks.
        _options = services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get(registration.Name);
        List<string> errors = ExtismPluginOptionsValidator.Check(_options);
        if (errors.Count > 0) throw new OptionsValidationException(registration.Name, typeof(ExtismPluginOptions), errors.Select(e => $"Extism plug-in '{Name}': {e}"));
        _debounce = new Timer(static state => ((PluginRuntimeBase)state!).RunReload(), this, Timeout.Infinite, Timeout.Infinite);
    }

    internal string Name => _registration.Name;

    internal ExtismPluginOptions Options => Volatile.Read(ref _options);

    protected ILogger Logger => _logger;

    /// <summary>The generation serving new calls: 1 at start, one more for each successful reload.</summary>
    internal abstract int Generation { get; }

    /// <summary>Why the last reload failed; null when it succeeded or none has failed.</summary>
    internal string? LastReloadError { get; private set; }

    /// <summary>Reloads attempted so far, successful or not (for tests and health).</summary>
    internal int ReloadAttempts => Volatile.Read(ref _attempts);

    /// <summary>Called by the subclass once its pool exists: starts following the configuration and the wasm files.</summary>
    protected void StartWatching()
    {
        if (_registration.Configuration is { } configuration)
        {
            _configSnapshot = ExtismPluginConfiguration.Snapshot(configuration);
            _configSubscription = ChangeToken.OnChange(configuration.GetReloadToken, static state => ((PluginRuntimeBase)state!).Changed(), this);
        }
        WatchFiles();
        _logger.LogInformation("Extism plug-in '{Plugin}' loaded (generation {Generation}).", Name, Generation);
    }

    /// <summary>At host start: prewarm (and, for isolated plug-ins, check that a worker starts).</summary>
    internal abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>At host stop: waits for running calls until <paramref name="cancellationToken"/>, then cancels them; false when some had to be cancelled.</summary>
    internal abstract Task<bool> DrainAsync(CancellationToken cancellationToken);

    /// <summary>Builds the plug-in from <paramref name="options"/> and swaps it in; returns the new generation. Throws when it cannot be built (the running one stays).</summary>
    protected abstract int ReloadCore(ExtismPluginOptions options);

    protected abstract void DisposeCore();

    /// <summary>A wasm file changed: reload even if the configuration did not.</summary>
    private void FileChanged()
    {
        Interlocked.Exchange(ref _filesChanged, 1);
        Changed();
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
        bool filesChanged = Interlocked.Exchange(ref _filesChanged, 0) != 0;
        ExtismPluginOptions options = Options;
        if (_registration.Configuration is { } configuration)
        {
            string snapshot = ExtismPluginConfiguration.Snapshot(configuration);
            if (snapshot != _configSnapshot)
            {
                var fresh = new ExtismPluginOptions { Isolated = _registration.Isolated };
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
            else if (!options.ReloadOnChange || !filesChanged)
            {
                // Configuration sources raise their change token again for the same contents
                // (a file provider once per file-system event): no new code, no new generation.
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
            int generation = ReloadCore(options);
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
        _logger.LogError(exception, "Extism plug-in '{Plugin}' was not reloaded, generation {Generation} keeps serving: {Reason}", Name, Generation, reason);
    }

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
        DisposeCore();
    }
}

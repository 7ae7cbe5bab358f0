using Microsoft.Extensions.Logging;
using ExtismLevel = Extism.Sdk.LogLevel;

namespace Extism.Sdk.Extensions.Logging;

// Extism.Sdk has a LogLevel of its own, which would win inside this namespace.
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

/// <summary>
/// Forwards libextism's log lines to an <see cref="ILoggerFactory"/>. libextism buffers its log in
/// memory; this drains that buffer on a timer and whenever <see cref="Drain"/> (or
/// <see cref="PluginLoggingExtensions.FlushLogs"/>) is called, for example right after
/// <see cref="Plugin.Call(string, string, CancellationToken?)"/> so a call's lines appear next to
/// the host's own log.
/// </summary>
/// <remarks>
/// libextism's log is process-wide, so one forwarder can be active at a time. Disposing it stops
/// the timer and forwards what is buffered; lines logged afterwards wait in libextism's buffer for
/// the next forwarder.
/// </remarks>
public sealed class ExtismLogForwarder : IDisposable
{
    private static readonly object s_startGate = new();
    private static ExtismLogForwarder? s_current;
    private static LogLevel? s_configuredLevel;

    private readonly ILoggerFactory _loggerFactory;
    private readonly ExtismLogForwarderOptions _options;
    private readonly ILogger? _fixedLogger;
    private readonly Dictionary<string, ILogger> _targetLoggers = new(StringComparer.Ordinal);
    private readonly LoggingSink _sink;
    // Serialises drains: the timer and callers may drain at once, and loggers see lines in order.
    private readonly object _drainGate = new();
    private readonly Timer? _timer;
    private bool _disposed;

    private ExtismLogForwarder(ILoggerFactory loggerFactory, ExtismLogForwarderOptions options)
    {
        _loggerFactory = loggerFactory;
        _options = options;
        if (!options.CategoryFromTarget) _fixedLogger = loggerFactory.CreateLogger(options.CategoryName);
        _sink = Forward;
        TimeSpan interval = options.DrainInterval;
        if (interval > TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan)
        {
            _timer = new Timer(static state => ((ExtismLogForwarder)state!).DrainFromTimer(), this, interval, interval);
        }
    }

    /// <summary>The forwarder now active in this process, if any.</summary>
    public static ExtismLogForwarder? Current => Volatile.Read(ref s_current);

    /// <summary>The level libextism was configured with by the first forwarder of this process.</summary>
    public static LogLevel? ConfiguredLevel => s_configuredLevel;

    /// <summary>
    /// Configures libextism's in-memory log (once per process) and starts forwarding it to
    /// <paramref name="loggerFactory"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Another forwarder is active, or libextism's log was already configured in this process
    /// with <see cref="Plugin.ConfigureFileLogging"/>.
    /// </exception>
    public static ExtismLogForwarder Start(ILoggerFactory loggerFactory, ExtismLogForwarderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options ??= new ExtismLogForwarderOptions();
        ExtismLevel level = ToExtismLevel(options.MinimumLevel);
        ArgumentException.ThrowIfNullOrEmpty(options.CategoryName, nameof(options.CategoryName));

        lock (s_startGate)
        {
            if (s_current is not null) throw new InvalidOperationException("An ExtismLogForwarder is already active in this process; dispose it before starting another.");
            if (s_configuredLevel is null)
            {
                ConfigureOrAdopt(level);
                s_configuredLevel = options.MinimumLevel;
            }
            var forwarder = new ExtismLogForwarder(loggerFactory, options);
            Volatile.Write(ref s_current, forwarder);
            return forwarder;
        }
    }

    /// <summary>
    /// Forwards every line libextism has buffered, on this thread. Do not call it from a logger
    /// provider (libextism holds its log lock while lines are handed out).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The forwarder was disposed.</exception>
    public void Drain()
    {
        lock (_drainGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Plugin.DrainCustomLogs(_sink);
        }
    }

    /// <summary>Stops the timer, forwards what is still buffered, and lets another forwarder start.</summary>
    public void Dispose()
    {
        lock (_drainGate)
        {
            if (_disposed) return;
            _timer?.Dispose();
            try
            {
                Plugin.DrainCustomLogs(_sink);
            }
            catch (InvalidOperationException)
            {
                // A throwing logger must not make Dispose throw; its lines are lost either way.
            }
            _disposed = true;
        }
        lock (s_startGate)
        {
            if (ReferenceEquals(s_current, this)) Volatile.Write(ref s_current, null);
        }
    }

    private void DrainFromTimer()
    {
        // A drain already in progress will pick up these lines too, so never queue behind it.
        if (!Monitor.TryEnter(_drainGate)) return;
        try
        {
            if (!_disposed) Plugin.DrainCustomLogs(_sink);
        }
        catch (Exception)
        {
            // An exception on a timer thread would end the process; a logger that throws loses
            // those lines instead.
        }
        finally
        {
            Monitor.Exit(_drainGate);
        }
    }

    private void Forward(string line)
    {
        ExtismLogLine entry = ExtismLogLine.Parse(line);
        ILogger logger = _fixedLogger ?? LoggerFor(entry.Target);
        if (!logger.IsEnabled(entry.Level)) return;
        logger.Log(entry.Level, default, new ExtismLogState(entry), null, static (state, _) => state.ToString());
    }

    private ILogger LoggerFor(string target)
    {
        // Only the draining thread gets here (under _drainGate), so no further locking is needed.
        if (!_targetLoggers.TryGetValue(target, out ILogger? logger))
        {
            logger = _loggerFactory.CreateLogger(target);
            _targetLoggers[target] = logger;
        }
        return logger;
    }

    private static void ConfigureOrAdopt(ExtismLevel level)
    {
        try
        {
            Plugin.ConfigureCustomLogging(level);
        }
        catch (InvalidOperationException configureError)
        {
            // The application may have set up custom logging itself: then draining works and
            // the forwarder takes over. If it chose file logging, draining fails and we say why.
            try
            {
                Plugin.DrainCustomLogs(static _ => { });
            }
            catch (InvalidOperationException)
            {
                throw new InvalidOperationException(
                    "Cannot forward Extism logs: libextism's log was already sent elsewhere in this process (" + configureError.Message + ")", configureError);
            }
        }
    }

    private static ExtismLevel ToExtismLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => ExtismLevel.Trace,
        LogLevel.Debug => ExtismLevel.Debug,
        LogLevel.Information => ExtismLevel.Info,
        LogLevel.Warning => ExtismLevel.Warn,
        LogLevel.Error or LogLevel.Critical => ExtismLevel.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "MinimumLevel must be Trace, Debug, Information, Warning, Error or Critical."),
    };
}

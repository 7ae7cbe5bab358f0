namespace Extism.Sdk;

/// <summary>Log levels of libextism's log sink.</summary>
public enum LogLevel
{
    /// <summary>Errors only.</summary>
    Error = 1,
    /// <summary>Warnings and errors.</summary>
    Warn,
    /// <summary>Information and above.</summary>
    Info,
    /// <summary>Debug and above.</summary>
    Debug,
    /// <summary>Everything.</summary>
    Trace,
}

/// <summary>Receives one drained log line (UTF-8 decoded, without its trailing newline).</summary>
public delegate void LoggingSink(string line);

// libextism's log is process-wide; these forward to ProcessLogging, which holds its state.
public sealed partial class Plugin
{
    /// <summary>
    /// Sends libextism's log (including plug-in log calls) to a file, or to <c>stdout</c> /
    /// <c>stderr</c>. Once per process.
    /// </summary>
    /// <exception cref="InvalidOperationException">Logging was already configured in this process.</exception>
    /// <exception cref="ArgumentException">The file cannot be opened for appending (libextism would abort the process).</exception>
    public static void ConfigureFileLogging(string path, LogLevel level) => ProcessLogging.ConfigureFileLogging(path, level);

    /// <summary>
    /// Buffers libextism's log in memory, to be read with <see cref="DrainCustomLogs"/> (the buffer
    /// grows until drained). Once per process.
    /// </summary>
    /// <exception cref="InvalidOperationException">Logging was already configured in this process.</exception>
    public static void ConfigureCustomLogging(LogLevel level) => ProcessLogging.ConfigureCustomLogging(level);

    /// <summary>
    /// Hands every buffered log line to <paramref name="callback"/>, oldest first, on this thread.
    /// The callback must not call into Extism (libextism holds its log lock meanwhile). If it
    /// throws, draining continues and the first exception is rethrown afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="ConfigureCustomLogging"/> was not called.</exception>
    public static void DrainCustomLogs(LoggingSink callback) => ProcessLogging.DrainCustomLogs(callback);
}

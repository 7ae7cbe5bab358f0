using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// libextism's process-wide log sink: installed once per process, drained on the caller's thread.
/// <see cref="Plugin"/>'s static logging methods forward here.
/// </summary>
internal static unsafe class ProcessLogging
{
    // libextism installs one log sink per process and fails every later attempt (a second custom
    // sink even breaks the first one's draining), so the first configuration is remembered here.
    private static readonly object s_loggingGate = new();
    private static string? s_loggingConfiguration;
    private static bool s_customLogging;
    // Entries the SDK drained to find a failed call's cause (RuntimeImportFailures), kept in order
    // for the application's next drain; s_drainGate orders both drains. Capped so that a process
    // that never drains does not grow without bound here (libextism's own buffer still does).
    private static readonly object s_drainGate = new();
    private static readonly Queue<string> s_pending = new();
    private const int MaxPending = 10_000;
    [ThreadStatic] private static LoggingSink? t_sink;
    [ThreadStatic] private static Exception? t_sinkError;

    /// <inheritdoc cref="Plugin.ConfigureFileLogging(string, LogLevel)"/>
    internal static void ConfigureFileLogging(string path, LogLevel level)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path is not ("stdout" or "stderr" or "-"))
        {
            try
            {
                using var probe = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new ArgumentException($"Log file '{path}' cannot be opened for appending: {e.Message}", nameof(path), e);
            }
        }
        Configure($"file logging to '{path}'", level, false, (filePtr, levelPtr) => Interop.extism_log_file((byte*)filePtr, (byte*)levelPtr), path);
    }

    /// <inheritdoc cref="Plugin.ConfigureCustomLogging(LogLevel)"/>
    internal static void ConfigureCustomLogging(LogLevel level)
        => Configure("custom logging", level, true, (_, levelPtr) => Interop.extism_log_custom((byte*)levelPtr), null);

    /// <inheritdoc cref="Plugin.DrainCustomLogs(LoggingSink)"/>
    internal static void DrainCustomLogs(LoggingSink callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (!Volatile.Read(ref s_customLogging)) throw new InvalidOperationException("Call Plugin.ConfigureCustomLogging before draining logs.");
        LoggingSink? outer = t_sink;
        t_sink = callback;
        t_sinkError = null;
        try
        {
            lock (s_drainGate)
            {
                // Entries the SDK read first, then the rest, in libextism's order.
                while (s_pending.TryDequeue(out string? line))
                {
                    try
                    {
                        callback(line);
                    }
                    catch (Exception e)
                    {
                        t_sinkError ??= e;
                    }
                }
                Interop.extism_log_drain(&DrainOne);
            }
        }
        finally
        {
            t_sink = outer;
        }
        Exception? error = t_sinkError;
        t_sinkError = null;
        if (error is not null) throw new InvalidOperationException($"The logging sink threw: {error.Message}", error);
    }

    /// <summary>
    /// The root cause libextism logged for the call to <paramref name="functionName"/> that just
    /// failed on instance <paramref name="instanceId"/>, or null when custom logging is off (the
    /// only sink the SDK can read) or the entry is not there. Reads libextism's buffer into the
    /// pending queue, so the application's next <see cref="DrainCustomLogs"/> still gets every line.
    /// Called on the failure path only, after the call returned (the entry is written before).
    /// </summary>
    internal static string? TakeCallFailureCause(Guid instanceId, string functionName)
    {
        if (!Volatile.Read(ref s_customLogging) || IsDraining) return null;
        string marker = $"call to {functionName} encountered an error:";
        string field = $"plugin=\"{instanceId}\"";
        LoggingSink? outer = t_sink;
        t_sink = static line =>
        {
            if (s_pending.Count >= MaxPending) s_pending.Dequeue();
            s_pending.Enqueue(line);
        };
        try
        {
            lock (s_drainGate)
            {
                Interop.extism_log_drain(&DrainOne);
                string? found = null;
                foreach (string line in s_pending)
                {
                    if (line.Contains(marker, StringComparison.Ordinal) && line.Contains(field, StringComparison.Ordinal)) found = line; // the last one is this call's
                }
                return found is null ? null : RuntimeImportFailures.RootCause(found, instanceId);
            }
        }
        finally
        {
            t_sink = outer;
            t_sinkError = null;
        }
    }

    /// <summary>True while this thread is inside a log drain, where calling libextism would deadlock.</summary>
    internal static bool IsDraining => t_sink is not null;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void DrainOne(byte* data, ulong size)
    {
        try
        {
            int length = checked((int)size);
            if (length > 0 && data[length - 1] == (byte)'\n') length--;
            t_sink?.Invoke(Encoding.UTF8.GetString(data, length));
        }
        catch (Exception e)
        {
            t_sinkError ??= e;
        }
    }

    private static void Configure(string what, LogLevel level, bool custom, Func<IntPtr, IntPtr, bool> install, string? path)
    {
        string levelText = level switch
        {
            LogLevel.Error => "error",
            LogLevel.Warn => "warn",
            LogLevel.Info => "info",
            LogLevel.Debug => "debug",
            LogLevel.Trace => "trace",
            _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a LogLevel."),
        };
        LibraryLoader.EnsureLoaded();
        lock (s_loggingGate)
        {
            if (s_loggingConfiguration is not null)
            {
                throw new InvalidOperationException(
                    $"Extism logging is already configured in this process ({s_loggingConfiguration}); libextism accepts one log configuration per process.");
            }
            using var levelUtf8 = new Utf8String(levelText, nameof(level));
            bool ok;
            fixed (byte* levelPtr = levelUtf8.Span)
            {
                if (path is null)
                {
                    ok = install(IntPtr.Zero, (IntPtr)levelPtr);
                }
                else
                {
                    using var pathUtf8 = new Utf8String(path, nameof(path));
                    fixed (byte* pathPtr = pathUtf8.Span) ok = install((IntPtr)pathPtr, (IntPtr)levelPtr);
                }
            }
            // Remembered even on failure: libextism does not allow a second try either way.
            s_loggingConfiguration = what + (ok ? "" : ", refused by libextism");
            if (!ok) throw new InvalidOperationException($"libextism refused {what}: a log sink was already installed in this process.");
            if (custom) Volatile.Write(ref s_customLogging, true);
        }
    }
}

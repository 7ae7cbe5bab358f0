using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Logging;

/// <summary>Entry points for forwarding Extism's log into Microsoft.Extensions.Logging.</summary>
public static class PluginLoggingExtensions
{
    /// <summary>
    /// Starts forwarding libextism's log to this factory; see <see cref="ExtismLogForwarder.Start"/>.
    /// Dispose the result when the application shuts down.
    /// </summary>
    public static ExtismLogForwarder AddExtismLogForwarding(this ILoggerFactory loggerFactory, ExtismLogForwarderOptions? options = null)
        => ExtismLogForwarder.Start(loggerFactory, options);

    /// <summary>
    /// Forwards what libextism has buffered now, if a forwarder is active (otherwise does
    /// nothing). Call it after <c>plugin.Call(…)</c> so the call's log lines are written before the
    /// host logs what it does with the result. libextism's log is process-wide, so this forwards
    /// every plug-in's lines, not only this one's.
    /// </summary>
    /// <returns>The same plug-in, for chaining.</returns>
    public static Plugin FlushLogs(this Plugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ExtismLogForwarder? forwarder = ExtismLogForwarder.Current;
        if (forwarder is null) return plugin;
        try
        {
            forwarder.Drain();
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the read above and the drain: nothing left to forward to.
        }
        return plugin;
    }
}

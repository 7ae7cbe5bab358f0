using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Logging;

// Extism.Sdk has a LogLevel of its own, which would win inside this namespace.
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

/// <summary>Settings for <see cref="ExtismLogForwarder"/>.</summary>
public sealed class ExtismLogForwarderOptions
{
    /// <summary>
    /// The least severe level libextism records. It is fixed for the whole process the first time
    /// logging is started (libextism accepts one log configuration per process). Default
    /// <see cref="LogLevel.Information"/>; <see cref="LogLevel.None"/> is not allowed.
    /// </summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>
    /// How often buffered lines are forwarded in the background. Default one second.
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> turns the timer off,
    /// so lines move only on <see cref="ExtismLogForwarder.Drain"/>.
    /// </summary>
    public TimeSpan DrainInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The logger category for every line. Default <c>Extism</c>. Ignored when <see cref="CategoryFromTarget"/> is set.</summary>
    public string CategoryName { get; set; } = "Extism";

    /// <summary>
    /// Use each line's target (e.g. <c>extism::pdk</c> for plug-in log calls) as its category, so
    /// filters can tell plug-in output from the runtime's. Default <see langword="false"/>.
    /// </summary>
    public bool CategoryFromTarget { get; set; }
}

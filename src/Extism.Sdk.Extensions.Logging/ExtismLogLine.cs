using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Logging;

// Extism.Sdk has a LogLevel of its own, which would win inside this namespace.
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

/// <summary>
/// One line of libextism's log, split into its fields. libextism formats lines as
/// <c>&lt;RFC 3339 time&gt; &lt;LEVEL&gt; &lt;target&gt;: &lt;message&gt; plugin="&lt;uuid&gt;"</c>,
/// e.g. <c>2026-11-21T23:59:59.123Z  INFO extism::pdk: hello plugin="…"</c>.
/// </summary>
public readonly record struct ExtismLogLine
{
    /// <summary>When libextism recorded the line, or <see langword="null"/> if it carried no readable time.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The line's level mapped onto <see cref="Microsoft.Extensions.Logging.LogLevel"/>.</summary>
    public LogLevel Level { get; init; }

    /// <summary>Where the line comes from: <c>extism::pdk</c> for a plug-in's own log calls, other <c>extism…</c> targets for the runtime.</summary>
    public string Target { get; init; }

    /// <summary>The message text, without the trailing <c>plugin="…"</c> field.</summary>
    public string Message { get; init; }

    /// <summary>The plug-in that logged the line (its <see cref="Plugin.Id"/>), when the line names one.</summary>
    public Guid? PluginId { get; init; }

    /// <summary>The line as libextism wrote it.</summary>
    public string Raw { get; init; }

    private const string PluginField = " plugin=\"";

    /// <summary>
    /// Splits a log line. Lines that do not have the expected shape still produce an entry:
    /// level <see cref="LogLevel.Information"/>, target <c>extism</c> and the whole line as the
    /// message, so nothing libextism says is lost.
    /// </summary>
    public static ExtismLogLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fallback = new ExtismLogLine { Level = LogLevel.Information, Target = "extism", Message = line, Raw = line };

        ReadOnlySpan<char> rest = line.AsSpan();
        ReadOnlySpan<char> timeText = NextToken(ref rest);
        ReadOnlySpan<char> levelText = NextToken(ref rest);
        if (MapLevel(levelText) is not LogLevel level) return fallback;
        DateTimeOffset? timestamp = DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

        // The target ends at the first ": " (targets are Rust module paths, so they contain "::"
        // but never ": ").
        rest = rest.TrimStart(' ');
        int colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0) return fallback;
        string target = rest[..colon].ToString();
        ReadOnlySpan<char> message = rest[(colon + 2)..];

        // The plug-in id is a trailing structured field; strip it so the message reads as the
        // plug-in wrote it, and keep the id as a value of its own.
        Guid? pluginId = null;
        int field = message.LastIndexOf(PluginField, StringComparison.Ordinal);
        if (field >= 0 && message.EndsWith("\"", StringComparison.Ordinal)
            && Guid.TryParse(message[(field + PluginField.Length)..^1], out Guid id))
        {
            pluginId = id;
            message = message[..field];
        }

        return new ExtismLogLine
        {
            Timestamp = timestamp,
            Level = level,
            Target = target,
            Message = message.ToString(),
            PluginId = pluginId,
            Raw = line,
        };
    }

    /// <summary>Maps libextism's level names (<c>TRACE</c> … <c>ERROR</c>, any case) to <see cref="LogLevel"/>.</summary>
    public static LogLevel? MapLevel(ReadOnlySpan<char> level) => level switch
    {
        _ when level.Equals("TRACE", StringComparison.OrdinalIgnoreCase) => LogLevel.Trace,
        _ when level.Equals("DEBUG", StringComparison.OrdinalIgnoreCase) => LogLevel.Debug,
        _ when level.Equals("INFO", StringComparison.OrdinalIgnoreCase) => LogLevel.Information,
        _ when level.Equals("WARN", StringComparison.OrdinalIgnoreCase) => LogLevel.Warning,
        _ when level.Equals("ERROR", StringComparison.OrdinalIgnoreCase) => LogLevel.Error,
        _ => null,
    };

    // Levels are padded to five characters ("  INFO"), so fields are separated by runs of spaces.
    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> text)
    {
        text = text.TrimStart(' ');
        int end = text.IndexOf(' ');
        if (end < 0) end = text.Length;
        ReadOnlySpan<char> token = text[..end];
        text = text[end..];
        return token;
    }
}

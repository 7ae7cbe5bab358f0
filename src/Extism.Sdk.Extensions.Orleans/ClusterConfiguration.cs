using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Extism.Sdk.Extensions.Orleans;

/// <summary>Reads <see cref="ExtismClusterOptions"/> by hand (no reflection binder), refusing unknown keys with their path.</summary>
internal static class ClusterConfiguration
{
    private static readonly string[] Keys = ["MaxAttempts", "RetryDelay", "AttemptTimeout", "Shards"];

    /// <exception cref="InvalidOperationException">A key is unknown or a value does not parse; the message lists every such key.</exception>
    internal static void Read(IConfiguration section, ExtismClusterOptions options)
    {
        var errors = new List<string>();
        string Path(string key) => section is IConfigurationSection s ? s.Path + ":" + key : key;
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) errors.Add($"{Path(child.Key)}: unknown setting (known here: {string.Join(", ", Keys)}).");
        }
        if (section["MaxAttempts"] is { } attempts)
        {
            if (int.TryParse(attempts, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) options.MaxAttempts = n;
            else errors.Add($"{Path("MaxAttempts")}: '{attempts}' is not a whole number.");
        }
        if (section["RetryDelay"] is { } delay)
        {
            if (long.TryParse(delay, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)) options.RetryDelay = TimeSpan.FromMilliseconds(ms);
            else if (TimeSpan.TryParse(delay, CultureInfo.InvariantCulture, out TimeSpan value)) options.RetryDelay = value;
            else errors.Add($"{Path("RetryDelay")}: '{delay}' is not a duration (a TimeSpan such as 00:00:00.200, or whole milliseconds).");
        }
        if (section["AttemptTimeout"] is { } limit)
        {
            if (long.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)) options.AttemptTimeout = TimeSpan.FromMilliseconds(ms);
            else if (TimeSpan.TryParse(limit, CultureInfo.InvariantCulture, out TimeSpan value)) options.AttemptTimeout = value;
            else errors.Add($"{Path("AttemptTimeout")}: '{limit}' is not a duration (a TimeSpan such as 00:00:05, or whole milliseconds).");
        }
        foreach (IConfigurationSection shard in section.GetSection("Shards").GetChildren())
        {
            if (int.TryParse(shard.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) options.Shards[shard.Key] = n;
            else errors.Add($"{shard.Path}: '{shard.Value}' is not a whole number of shards.");
        }
        if (errors.Count > 0) throw new InvalidOperationException("The Extism cluster configuration is invalid:\n" + string.Join("\n", errors));
    }
}

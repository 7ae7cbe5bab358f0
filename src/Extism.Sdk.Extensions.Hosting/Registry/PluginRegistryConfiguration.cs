using System.Globalization;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// Reads <see cref="PluginRegistryOptions"/> from a configuration section by hand (no reflection
/// binder, so the package stays trimmable), refusing unknown keys with their path.
/// </summary>
internal static class PluginRegistryConfiguration
{
    private static readonly string[] Keys =
    [
        "MaxLiveInstances", "MaxCompiledModules", "MemoryBudget", "MaxInstancesPerPlugin", "MaxConcurrentCompilations",
        "BudgetWaitTimeout", "InstanceMemoryEstimate", "ModuleMemoryBase", "ModuleMemoryPerCodeByte", "CompilationCache",
        "Untrusted",
    ];
    private static readonly string[] CacheKeys = ["Directory", "ConfigFile", "Disabled"];

    /// <exception cref="InvalidOperationException">A key is unknown or a value does not parse; the message lists every such key.</exception>
    internal static void Read(IConfiguration section, PluginRegistryOptions options)
    {
        var errors = new List<string>();
        string Path(string key) => section is IConfigurationSection s ? s.Path + ":" + key : key;
        Known(section, Keys, Path, errors);
        if (Int(section, "MaxLiveInstances", Path, errors) is { } live) options.MaxLiveInstances = live;
        if (Int(section, "MaxCompiledModules", Path, errors) is { } modules) options.MaxCompiledModules = modules;
        if (Bytes(section, "MemoryBudget", Path, errors) is { } budget) options.MemoryBudget = budget;
        if (Int(section, "MaxInstancesPerPlugin", Path, errors) is { } perPlugin) options.MaxInstancesPerPlugin = perPlugin;
        if (Int(section, "MaxConcurrentCompilations", Path, errors) is { } compilations) options.MaxConcurrentCompilations = compilations;
        if (Duration(section, "BudgetWaitTimeout", Path, errors) is { } wait) options.BudgetWaitTimeout = wait;
        if (Bytes(section, "InstanceMemoryEstimate", Path, errors) is { } instance) options.InstanceMemoryEstimate = instance;
        if (Bytes(section, "ModuleMemoryBase", Path, errors) is { } moduleBase) options.ModuleMemoryBase = moduleBase;
        if (Text(section, "ModuleMemoryPerCodeByte") is { } perByte)
        {
            if (double.TryParse(perByte, NumberStyles.Float, CultureInfo.InvariantCulture, out double factor)) options.ModuleMemoryPerCodeByte = factor;
            else errors.Add($"{Path("ModuleMemoryPerCodeByte")}: '{perByte}' is not a number.");
        }
        if (Text(section, "Untrusted") is { } untrusted)
        {
            if (bool.TryParse(untrusted, out bool on)) options.Untrusted = on;
            else errors.Add($"{Path("Untrusted")}: '{untrusted}' is not true or false.");
        }
        IConfigurationSection cache = section.GetSection("CompilationCache");
        if (cache.GetChildren().Any())
        {
            string CachePath(string key) => Path("CompilationCache:" + key);
            Known(cache, CacheKeys, CachePath, errors);
            var cacheOptions = new CompilationCacheOptions { Directory = Text(cache, "Directory"), ConfigFile = Text(cache, "ConfigFile") };
            if (Text(cache, "Disabled") is { } disabled)
            {
                if (bool.TryParse(disabled, out bool off)) cacheOptions.Disabled = off;
                else errors.Add($"{CachePath("Disabled")}: '{disabled}' is not true or false.");
            }
            options.CompilationCache = cacheOptions;
        }
        if (errors.Count > 0) throw new InvalidOperationException("The Extism plug-in registry configuration is invalid:\n" + string.Join("\n", errors));
    }

    private static void Known(IConfiguration section, string[] known, Func<string, string> path, List<string> errors)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) errors.Add($"{path(child.Key)}: unknown setting (known here: {string.Join(", ", known)}).");
        }
    }

    private static string? Text(IConfiguration section, string key) => string.IsNullOrWhiteSpace(section[key]) ? null : section[key]!.Trim();

    private static int? Int(IConfiguration section, string key, Func<string, string> path, List<string> errors)
    {
        if (Text(section, key) is not { } text) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        errors.Add($"{path(key)}: '{text}' is not a whole number that fits in 32 bits.");
        return null;
    }

    /// <summary>Bytes as a whole number, optionally with a binary suffix: "1073741824", "512MiB", "1GiB", "256KiB".</summary>
    internal static long? Bytes(IConfiguration section, string key, Func<string, string> path, List<string> errors)
    {
        if (Text(section, key) is not { } text) return null;
        (string digits, long unit) = text.EndsWith("GiB", StringComparison.OrdinalIgnoreCase) ? (text[..^3], 1L << 30)
            : text.EndsWith("MiB", StringComparison.OrdinalIgnoreCase) ? (text[..^3], 1L << 20)
            : text.EndsWith("KiB", StringComparison.OrdinalIgnoreCase) ? (text[..^3], 1L << 10)
            : (text, 1L);
        if (long.TryParse(digits.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value <= long.MaxValue / unit) return value * unit;
        errors.Add($"{path(key)}: '{text}' is not a size (whole bytes, or a whole number with KiB, MiB or GiB).");
        return null;
    }

    /// <summary>A TimeSpan ("00:00:05") or whole milliseconds ("5000").</summary>
    private static TimeSpan? Duration(IConfiguration section, string key, Func<string, string> path, List<string> errors)
    {
        if (Text(section, key) is not { } text) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)) return TimeSpan.FromMilliseconds(ms);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value)) return value;
        errors.Add($"{path(key)}: '{text}' is not a duration (a TimeSpan such as 00:00:05, or whole milliseconds).");
        return null;
    }
}

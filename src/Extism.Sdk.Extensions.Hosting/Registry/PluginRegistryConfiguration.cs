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
        "Untrusted", "ProcessIsolation",
    ];
    private static readonly string[] CacheKeys = ["Directory", "ConfigFile", "Disabled"];
    private static readonly string[] IsolationKeys = ["Enabled", "CallDeadline", "MaxWorkerMemory", "MaxWorkerCpuTime", "FuelLimit", "WorkerPath", "WorkerStartTimeout", "CancelGracePeriod", "Name"];

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
        ReadIsolation(section.GetSection("ProcessIsolation"), Path, options, errors);
        if (errors.Count > 0) throw new InvalidOperationException("The Extism plug-in registry configuration is invalid:\n" + string.Join("\n", errors));
    }

    /// <summary>
    /// "ProcessIsolation": a section (every key optional; <c>"Enabled": false</c> turns it off) or
    /// <c>true</c>/<c>false</c> for the defaults. Workers per key come from MaxInstancesPerPlugin.
    /// </summary>
    private static void ReadIsolation(IConfigurationSection isolation, Func<string, string> path, PluginRegistryOptions options, List<string> errors)
    {
        string IsolationPath(string key) => path("ProcessIsolation:" + key);
        bool hasChildren = isolation.GetChildren().Any();
        if (!hasChildren)
        {
            if (string.IsNullOrWhiteSpace(isolation.Value)) return;
            string flag = isolation.Value.Trim();
            if (bool.TryParse(flag, out bool on)) options.ProcessIsolation = on ? new IsolatedPluginPoolOptions() : null;
            else errors.Add($"{path("ProcessIsolation")}: '{flag}' is not true, false or a section.");
            return;
        }
        Known(isolation, IsolationKeys, IsolationPath, errors);
        if (Text(isolation, "Enabled") is { } enabled)
        {
            if (!bool.TryParse(enabled, out bool on)) errors.Add($"{IsolationPath("Enabled")}: '{enabled}' is not true or false.");
            else if (!on) return;
        }
        var worker = new IsolatedPluginPoolOptions
        {
            CallDeadline = Duration(isolation, "CallDeadline", IsolationPath, errors),
            MaxWorkerMemoryBytes = Bytes(isolation, "MaxWorkerMemory", IsolationPath, errors),
            MaxWorkerCpuTime = Duration(isolation, "MaxWorkerCpuTime", IsolationPath, errors),
            FuelLimit = Long(isolation, "FuelLimit", IsolationPath, errors),
            Name = Text(isolation, "Name"),
        };
        if (Text(isolation, "WorkerPath") is { } workerPath) worker.WorkerPath = System.IO.Path.GetFullPath(workerPath, AppContext.BaseDirectory);
        if (Duration(isolation, "WorkerStartTimeout", IsolationPath, errors) is { } start) worker.WorkerStartTimeout = start;
        if (Duration(isolation, "CancelGracePeriod", IsolationPath, errors) is { } grace) worker.CancelGracePeriod = grace;
        options.ProcessIsolation = worker;
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

    private static long? Long(IConfiguration section, string key, Func<string, string> path, List<string> errors)
    {
        if (Text(section, key) is not { } text) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)) return value;
        errors.Add($"{path(key)}: '{text}' is not a whole number.");
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

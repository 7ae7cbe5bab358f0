using System.Globalization;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// Reads a plug-in's configuration section into <see cref="ExtismPluginOptions"/> by hand rather
/// than with the reflection binder: every mistake is reported with its full key, unknown keys
/// (typos) are errors instead of being ignored, and nothing here needs reflection (AOT safe).
/// </summary>
internal static partial class ExtismPluginConfiguration
{
    private static readonly string[] TopLevel = ["Wasm", "AllowedHosts", "AllowedPaths", "Config", "Timeout", "Memory", "Wasi", "FuelLimit", "Pool", "ReloadOnChange", "ReloadDebounce", "Untrusted", "Worker"];
    private static readonly string[] WasmKeys = ["Path", "Url", "Hash", "Name"];
    private static readonly string[] MemoryKeys = ["MaxPages", "MaxHttpResponseBytes", "MaxVarBytes"];
    private static readonly string[] PoolKeys = ["MaxSize", "Isolation", "RentTimeout", "Prewarm", "MaxInterruptionRetries", "Name"];

    /// <summary>Fills <paramref name="options"/> from <paramref name="section"/>; problems go to <see cref="ExtismPluginOptions.ConfigurationErrors"/>.</summary>
    internal static void Read(IConfiguration section, ExtismPluginOptions options)
    {
        var errors = options.ConfigurationErrors;
        string path = section is IConfigurationSection s ? s.Path : "";
        options.ConfigurationPath = path;
        string Key(string relative) => options.KeyOf(relative);

        if (!section.GetChildren().Any())
        {
            errors.Add($"Configuration section '{path}' is empty or missing: it needs at least '{path}:Wasm:0:Path' (or ':Url').");
            return;
        }
        CheckKnown(section, TopLevel, Key, errors);

        // "Untrusted": true starts from the preset (Manifest.Untrusted, PluginInitializationOptions.Untrusted);
        // every key set beside it overrides that one field.
        bool untrusted = Boolean(section, "Untrusted", "Untrusted", Key, errors) ?? false;
        var manifest = untrusted ? Manifest.Untrusted() : new Manifest();
        foreach (IConfigurationSection wasm in Ordered(section.GetSection("Wasm")))
        {
            string at = "Wasm:" + wasm.Key;
            CheckKnown(wasm, WasmKeys, relative => Key(at + ":" + relative), errors);
            string? file = wasm["Path"], url = wasm["Url"];
            string? hash = Empty(wasm["Hash"]), name = Empty(wasm["Name"]);
            if (string.IsNullOrWhiteSpace(file) == string.IsNullOrWhiteSpace(url))
            {
                errors.Add($"{Key(at)}: set exactly one of 'Path' and 'Url'.");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(file))
            {
                // Relative to the application's directory (where its files are deployed), not to the
                // working directory, which depends on how the process was started.
                manifest.Sources.Add(new PathWasmSource(Path.GetFullPath(file, AppContext.BaseDirectory), name, hash));
                options.SourceKeys.Add(at);
            }
            else if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                manifest.Sources.Add(new UrlWasmSource(uri, name, hash));
                options.SourceKeys.Add(at);
            }
            else
            {
                errors.Add($"{Key(at + ":Url")}: '{url}' is not an absolute http or https URL.");
            }
        }

        foreach (IConfigurationSection host in Ordered(section.GetSection("AllowedHosts")))
        {
            if (!string.IsNullOrWhiteSpace(host.Value)) manifest.AllowedHosts.Add(host.Value);
        }
        foreach (IConfigurationSection mapping in section.GetSection("AllowedPaths").GetChildren())
        {
            if (mapping.Value is null) errors.Add($"{Key("AllowedPaths:" + mapping.Key)}: expected a guest path, found a section.");
            else manifest.AllowedPaths[mapping.Key] = mapping.Value;
        }
        foreach (IConfigurationSection entry in section.GetSection("Config").GetChildren())
        {
            if (entry.Value is null) errors.Add($"{Key("Config:" + entry.Key)}: expected a string value, found a section.");
            else manifest.Config[entry.Key] = entry.Value;
        }
        TimeSpan? timeout = Duration(section, "Timeout", Key, errors);
        if (timeout is not null || !untrusted) manifest.Timeout = timeout; // unset: the preset's stays

        IConfigurationSection memory = section.GetSection("Memory");
        if (memory.GetChildren().Any())
        {
            CheckKnown(memory, MemoryKeys, relative => Key("Memory:" + relative), errors);
            MemoryOptions? preset = manifest.MemoryOptions; // the untrusted preset's limits, or null
            manifest.MemoryOptions = new MemoryOptions
            {
                MaxPages = (int?)Number(memory, "MaxPages", "Memory:MaxPages", int.MaxValue, Key, errors) ?? preset?.MaxPages,
                MaxHttpResponseBytes = Number(memory, "MaxHttpResponseBytes", "Memory:MaxHttpResponseBytes", long.MaxValue, Key, errors) ?? preset?.MaxHttpResponseBytes,
                MaxVarBytes = Number(memory, "MaxVarBytes", "Memory:MaxVarBytes", long.MaxValue, Key, errors) ?? preset?.MaxVarBytes,
            };
        }
        options.Manifest = manifest;
        options.WithWasi = Boolean(section, "Wasi", "Wasi", Key, errors) ?? false;
        // In process or in workers alike (an isolated plug-in's workers take it as their FuelLimit).
        options.FuelLimit = Number(section, "FuelLimit", "FuelLimit", long.MaxValue, Key, errors)
            ?? (untrusted ? PluginInitializationOptions.Untrusted().FuelLimit : null);
        options.ReloadOnChange = Boolean(section, "ReloadOnChange", "ReloadOnChange", Key, errors) ?? true;
        if (Duration(section, "ReloadDebounce", Key, errors) is { } debounce) options.ReloadDebounce = debounce;

        if (ReadMode(section, options, Key, errors)) return;

        IConfigurationSection pool = section.GetSection("Pool");
        CheckKnown(pool, PoolKeys, relative => Key("Pool:" + relative), errors);
        var poolOptions = new PluginPoolOptions();
        if (Number(pool, "MaxSize", "Pool:MaxSize", int.MaxValue, Key, errors) is { } size) poolOptions.MaxSize = (int)size;
        if (Number(pool, "MaxInterruptionRetries", "Pool:MaxInterruptionRetries", int.MaxValue, Key, errors) is { } retries) poolOptions.MaxInterruptionRetries = (int)retries;
        poolOptions.RentTimeout = Duration(pool, "RentTimeout", relative => Key("Pool:" + relative), errors);
        poolOptions.Name = Empty(pool["Name"]);
        if (Empty(pool["Isolation"]) is { } isolation)
        {
            if (Enum.TryParse(isolation, ignoreCase: true, out PluginPoolIsolation parsed) && Enum.IsDefined(parsed) && !char.IsDigit(isolation[0]))
            {
                poolOptions.Isolation = parsed;
            }
            else
            {
                errors.Add($"{Key("Pool:Isolation")}: '{isolation}' is not one of {string.Join(", ", Enum.GetNames<PluginPoolIsolation>())}.");
            }
        }
        options.Pool = poolOptions;
        options.Prewarm = (int)(Number(pool, "Prewarm", "Pool:Prewarm", int.MaxValue, Key, errors) ?? 0);
    }

    /// <summary>A stable text form of the section (every key and value), to tell a real change from a reload of identical settings.</summary>
    internal static string Snapshot(IConfiguration section) =>
        string.Join("\n", section.AsEnumerable(makePathsRelative: true).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));

    /// <summary>Array-like children in index order ("0", "1", ... "10"), the way the binder orders them.</summary>
    private static IEnumerable<IConfigurationSection> Ordered(IConfigurationSection list) =>
        list.GetChildren().OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue).ThenBy(c => c.Key, StringComparer.Ordinal);

    private static void CheckKnown(IConfiguration section, string[] known, Func<string, string> key, List<string> errors)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{key(child.Key)}: unknown setting (known here: {string.Join(", ", known)}).");
            }
        }
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static long? Number(IConfiguration section, string name, string relative, long max, Func<string, string> key, List<string> errors)
    {
        if (Empty(section[name]) is not { } text) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value <= max) return value;
        errors.Add($"{key(relative)}: '{text}' is not a whole number{(max == int.MaxValue ? " that fits in 32 bits" : "")}.");
        return null;
    }

    private static bool? Boolean(IConfiguration section, string name, string relative, Func<string, string> key, List<string> errors)
    {
        if (Empty(section[name]) is not { } text) return null;
        if (bool.TryParse(text, out bool value)) return value;
        errors.Add($"{key(relative)}: '{text}' is not true or false.");
        return null;
    }

    /// <summary>A TimeSpan ("00:00:05", "5.00:00:00") or a whole number of milliseconds ("5000").</summary>
    private static TimeSpan? Duration(IConfiguration section, string name, Func<string, string> key, List<string> errors)
    {
        if (Empty(section[name]) is not { } text) return null;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)) return TimeSpan.FromMilliseconds(ms);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value)) return value;
        errors.Add($"{key(name)}: '{text}' is not a duration (a TimeSpan such as 00:00:05, or whole milliseconds).");
        return null;
    }
}

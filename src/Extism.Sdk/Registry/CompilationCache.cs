using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// Where libextism keeps compiled code on disk (wasmtime's compilation cache), so that a module
/// compiled before, by this process or an earlier one, loads in milliseconds instead of being
/// compiled again. Set on <see cref="PluginRegistryOptions.CompilationCache"/>.
/// </summary>
/// <remarks>
/// libextism reads the <c>EXTISM_CACHE_CONFIG</c> environment variable at every compilation (each
/// <see cref="CompiledPlugin"/> and each plug-in made from a manifest or bytes), for the whole
/// process. So this setting is process-wide: the registry sets the variable when it is created,
/// and it then applies to every compilation in the process. Create the registry at start-up,
/// before other threads compile plug-ins (changing the environment while native code reads it is
/// not thread-safe on Unix). Two registries asking for different caches, or a variable already
/// set to something else, is an error rather than a silent override.
/// Without any setting, libextism uses wasmtime's default: a cache enabled in the user's cache
/// directory (<c>~/.cache/wasmtime</c> on Linux). With the cache on, wasmtime runs one thread per
/// compiled module for its bookkeeping.
/// </remarks>
public sealed class CompilationCacheOptions
{
    /// <summary>
    /// Directory for the cache (created if missing; a relative path is made absolute against the
    /// current directory). The registry writes <c>extism-cache.toml</c> there and points libextism
    /// at it; wasmtime keeps the compiled code in its <c>wasmtime</c> subdirectory, whose unknown
    /// files its cleanup deletes.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>An existing wasmtime cache configuration file (TOML with a <c>[cache]</c> table), for settings beyond the directory. Not together with <see cref="Directory"/>.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Turns the disk cache off for the process: every compilation starts from scratch.</summary>
    public bool Disabled { get; set; }
}

/// <summary>Applies <see cref="CompilationCacheOptions"/> to the process environment that libextism reads.</summary>
internal static class CompilationCache
{
    internal const string Variable = "EXTISM_CACHE_CONFIG";
    internal const string ConfigFileName = "extism-cache.toml";
    internal const string CacheSubdirectory = "wasmtime";
    private static readonly object Gate = new();

    /// <summary>The value <paramref name="options"/> gives the variable ("" turns the cache off).</summary>
    internal static string Resolve(CompilationCacheOptions options)
    {
        int chosen = (options.Directory is not null ? 1 : 0) + (options.ConfigFile is not null ? 1 : 0) + (options.Disabled ? 1 : 0);
        if (chosen != 1)
        {
            throw new ArgumentException("CompilationCacheOptions needs exactly one of Directory, ConfigFile or Disabled.", nameof(options));
        }
        if (options.Disabled) return "";
        if (options.ConfigFile is { } file)
        {
            string full = Path.GetFullPath(file);
            if (!File.Exists(full)) throw new ArgumentException($"CompilationCacheOptions.ConfigFile '{full}' does not exist.", nameof(options));
            return full;
        }
        string root = Path.GetFullPath(options.Directory!);
        // The configuration must not sit inside wasmtime's own directory: its cleanup deletes
        // files it does not recognise there (seen: the first compilation after a cleanup failed
        // with "No such file or directory" because the configuration was gone).
        string directory = Path.Combine(root, CacheSubdirectory);
        System.IO.Directory.CreateDirectory(directory);
        string config = Path.Combine(root, ConfigFileName);
        // wasmtime 49 wants an absolute directory and rejects the old `enabled` key.
        string escaped = directory.Replace("\\", "\\\\").Replace("\"", "\\\"");
        string text = $"# Written by Extism.Sdk PluginRegistry: wasmtime's compilation cache for libextism.\n[cache]\ndirectory = \"{escaped}\"\n";
        if (!File.Exists(config) || File.ReadAllText(config) != text)
        {
            // Another process starting with the same directory may write the same file at once.
            string temp = config + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, config, overwrite: true);
        }
        return config;
    }

    /// <summary>Sets the variable for the process, or checks it already has that value.</summary>
    /// <exception cref="InvalidOperationException">The variable already holds a different value.</exception>
    internal static void Apply(CompilationCacheOptions options)
    {
        string value = Resolve(options);
        lock (Gate)
        {
            string? current = Get();
            if (current == value) return;
            if (current is not null)
            {
                throw new InvalidOperationException(
                    $"{Variable} is already '{current}' in this process, and the registry's CompilationCache asks for '{value}'. " +
                    "libextism reads that one variable for every compilation in the process; use one cache setting per process.");
            }
            Set(value);
        }
    }

    /// <summary>The value native code sees (see <see cref="NativeEnvironment"/>).</summary>
    internal static string? Get() => NativeEnvironment.Get(Variable);

    private static void Set(string value)
    {
        if (OperatingSystem.IsWindows() && value.Length == 0)
        {
            throw new PlatformNotSupportedException("Disabling the compilation cache needs an empty EXTISM_CACHE_CONFIG, and on Windows .NET removes a variable set to empty; set it empty before the process starts instead.");
        }
        NativeEnvironment.Set(Variable, value);
    }
}

using Extism.Sdk;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// How one named plug-in is loaded and served: what <c>AddExtismPlugin</c> builds its keyed
/// <see cref="PluginPool"/> from (and <c>AddExtismIsolatedPlugin</c> its <see cref="ExtismIsolatedPlugin"/>). Bound from configuration by
/// <c>AddExtismPlugin(name, IConfiguration)</c> (keys in the package README), or set in code.
/// Checked when the host starts (<c>ValidateOnStart</c>); errors name the setting.
/// </summary>
public sealed class ExtismPluginOptions
{
    /// <summary>The modules, permissions, limits and timeout. Required, with at least one wasm source.</summary>
    public Manifest? Manifest { get; set; }

    /// <summary>Give the plug-in WASI. Off by default.</summary>
    public bool WithWasi { get; set; }

    /// <summary>
    /// Fuel each call may use; null (the default) for no limit. An isolated plug-in's workers take
    /// it as <see cref="IsolatedPluginPoolOptions.FuelLimit"/> (set one of the two, not both).
    /// </summary>
    public long? FuelLimit { get; set; }

    /// <summary>
    /// Size, waiting and isolation of the pool (in-process plug-ins; an isolated one ignores it and uses <see cref="Worker"/>). Read once, when the pool is made: a reload changes
    /// the code, not these. <see cref="PluginPoolOptions.Name"/> defaults to the plug-in's name.
    /// </summary>
    public PluginPoolOptions Pool { get; set; } = new();

    /// <summary>
    /// How many instances to make when the host starts, so the first requests do not pay for
    /// instantiation. 0 to the pool's 'MaxSize' (for an isolated plug-in: worker processes to
    /// start, 0 to <see cref="IsolatedPluginPoolOptions.MaxWorkers"/>; one starts in any case). Default 0.
    /// </summary>
    public int Prewarm { get; set; }

    /// <summary>
    /// For a plug-in registered with <c>AddExtismIsolatedPlugin</c> only: its worker processes
    /// (how many, call deadline, memory limit, where the worker is). <see cref="IsolatedPluginPoolOptions.Name"/>
    /// defaults to the plug-in's name; <see cref="IsolatedPluginPoolOptions.WithWasi"/> is on when
    /// either it or <see cref="WithWasi"/> is. Read when a pool is made: at start and at every reload.
    /// </summary>
    public IsolatedPluginPoolOptions Worker { get; set; } = new();

    /// <summary>
    /// Reload when a wasm file of the manifest changes on disk (written in place or replaced by a
    /// rename) or, for a plug-in bound from configuration, when its configuration changes. Default true.
    /// </summary>
    public bool ReloadOnChange { get; set; } = true;

    /// <summary>How long changes must stop before a reload starts, so a file written in several steps is compiled once, whole. Default 250 ms.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Registered with AddExtismIsolatedPlugin: decides which keys are known and what is checked.</summary>
    internal bool Isolated { get; set; }

    /// <summary>Problems found while reading configuration, each naming its key; reported by validation.</summary>
    internal List<string> ConfigurationErrors { get; } = [];

    /// <summary>For each manifest source read from configuration, its key relative to the section ("Wasm:2"): entries that failed to read leave gaps in the list.</summary>
    internal List<string> SourceKeys { get; } = [];

    /// <summary>The configuration section these options were read from (for error messages); null when set in code.</summary>
    internal string? ConfigurationPath { get; set; }

    /// <summary>How an error names a setting: the configuration key, or the property path when set in code.</summary>
    internal string KeyOf(string relative) => ConfigurationPath is { } path
        ? $"{path}:{relative}"
        : $"{nameof(ExtismPluginOptions)}.{relative.Replace(':', '.')}";
}

namespace Extism.Sdk;

/// <summary>How a plug-in is created: WASI on or off, and an optional fuel limit per call.</summary>
public partial class PluginInitializationOptions
{
    /// <summary>Give the plug-in WASI (files from <see cref="Manifest.AllowedPaths"/>, clocks, random). Off by default.</summary>
    public bool WithWasi { get; set; }

    /// <summary>
    /// Fuel (roughly, wasm instructions) each call may use, the Extism kernel's work included;
    /// null for no limit. A call that runs out fails with <see cref="ExtismFuelExhaustedException"/>.
    /// </summary>
    public long? FuelLimit { get; set; }

    /// <summary>
    /// After a call that aborted guest code mid-flight (trap, timeout, cancel, fuel, out of memory,
    /// a failed host function, a WASI exit, anything unknown), run the plug-in's next operation on
    /// a fresh native instance, made from the compiled code the plug-in keeps (nothing is compiled
    /// again). On by default: such a call leaves the guest's shadow stack and allocations behind,
    /// and enough of them break the instance for good. The replacement keeps the manifest, host
    /// functions, WASI, the fuel limit, config changes and <see cref="Plugin.AllowHttpResponseHeaders"/>;
    /// the guest's own state (memory, globals, vars) starts afresh. <see cref="Plugin.RecycleCount"/>
    /// counts replacements. Off: the instance is kept, as in Extism.Sdk 1.x. Not available (kept
    /// off) for a plug-in with a fuel limit on libextism older than 1.13.0, which cannot keep fuel
    /// in compiled code.
    /// </summary>
    public bool RecycleAfterFailure { get; set; } = true;
}

/// <summary>The Extism.Sdk 1.x name of <see cref="PluginInitializationOptions"/>, misspelling included, kept so old code compiles.</summary>
public class PluginIntializationOptions : PluginInitializationOptions
{
}

namespace Extism.Sdk;

/// <summary>How a plug-in is created: WASI on or off, and an optional fuel limit per call.</summary>
public class PluginInitializationOptions
{
    /// <summary>Give the plug-in WASI (files from <see cref="Manifest.AllowedPaths"/>, clocks, random). Off by default.</summary>
    public bool WithWasi { get; set; }

    /// <summary>
    /// Fuel (roughly, wasm instructions) each call may use, the Extism kernel's work included;
    /// null for no limit. A call that runs out fails with <see cref="ExtismFuelExhaustedException"/>.
    /// </summary>
    public long? FuelLimit { get; set; }
}

/// <summary>The Extism.Sdk 1.x name of <see cref="PluginInitializationOptions"/>, misspelling included, kept so old code compiles.</summary>
public class PluginIntializationOptions : PluginInitializationOptions
{
}

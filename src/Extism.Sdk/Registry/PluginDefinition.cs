namespace Extism.Sdk;

/// <summary>
/// Finds what a <see cref="PluginRegistry"/> key stands for. Called on first use of a key, again
/// after the key was evicted or invalidated, and again after a failed compilation; never twice
/// at once for one key. It may run on any thread.
/// </summary>
/// <param name="key">The key the caller asked for, e.g. <c>tenant/plugin@version</c>.</param>
/// <param name="cancellationToken">Fires when the registry is disposed (not when one caller gives up: others may be waiting for the same key).</param>
/// <returns>The plug-in to compile; throw to fail every caller waiting for this key (for example <see cref="KeyNotFoundException"/> for an unknown key).</returns>
public delegate ValueTask<PluginDefinition> PluginResolver(string key, CancellationToken cancellationToken);

/// <summary>
/// What a <see cref="PluginResolver"/> returns: the code (a <see cref="Sdk.Manifest"/> or wasm
/// bytes), its host functions and options. The registry reads it once, to compile, and keeps no
/// reference to the wasm bytes afterwards.
/// </summary>
public sealed class PluginDefinition
{
    /// <summary>A plug-in described by a manifest (modules, limits, timeout, config).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="manifest"/> is null.</exception>
    public PluginDefinition(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Manifest = manifest;
    }

    /// <summary>A plug-in given as one wasm binary (or WAT text). The bytes are read when the registry compiles.</summary>
    /// <exception cref="ArgumentException"><paramref name="wasm"/> is empty.</exception>
    public PluginDefinition(ReadOnlyMemory<byte> wasm)
    {
        if (wasm.IsEmpty) throw new ArgumentException("The wasm bytes are empty.", nameof(wasm));
        Wasm = wasm;
    }

    /// <summary>The manifest, when the definition was made from one; otherwise null.</summary>
    public Manifest? Manifest { get; }

    /// <summary>The wasm bytes, when the definition was made from them; otherwise empty.</summary>
    public ReadOnlyMemory<byte> Wasm { get; }

    /// <summary>Host functions the plug-in imports. Each may run on several threads at once (one per busy instance).</summary>
    public HostFunction[] Functions { get; init; } = [];

    /// <summary>
    /// Host functions for a registry with <see cref="PluginRegistryOptions.ProcessIsolation"/>: they
    /// run in the host process while the plug-in waits in its worker (for example a
    /// <c>[HostFunction]</c> type's <c>GetIsolatedHostFunctions()</c>). Such a registry refuses
    /// <see cref="Functions"/>; an in-process one ignores these.
    /// </summary>
    public IsolatedHostFunction[] IsolatedFunctions { get; init; } = [];

    /// <summary>WASI and fuel. Null: neither. Under <see cref="PluginRegistryOptions.ProcessIsolation"/> both apply in the key's workers (this fuel limit over the isolation settings' one).</summary>
    public PluginInitializationOptions? Options { get; init; }

    /// <summary>Most instances of this plug-in at once (worker processes under <see cref="PluginRegistryOptions.ProcessIsolation"/>); null takes <see cref="PluginRegistryOptions.MaxInstancesPerPlugin"/>.</summary>
    public int? MaxInstances { get; init; }

    /// <summary>
    /// Override of the memory the budget counts for one instance, in bytes; null uses
    /// <see cref="PluginRegistryOptions.InstanceMemoryEstimate"/>. Set it when you measured the plug-in.
    /// </summary>
    public long? InstanceMemoryEstimate { get; init; }

    /// <summary>
    /// Override of the memory the budget counts for the compiled code, in bytes; null uses
    /// <see cref="PluginRegistryOptions.EstimateModuleMemory"/> of the code's size.
    /// </summary>
    public long? ModuleMemoryEstimate { get; init; }

    /// <summary>Size of the code as given: the wasm bytes, or the manifest's modules in memory and on disk (URLs count 0: they are not fetched here).</summary>
    internal long CodeSize => Manifest is null ? Wasm.Length : Manifest.Sources.Sum(static source => source switch
    {
        ByteArrayWasmSource bytes => (long)bytes.Data.Length,
        PathWasmSource file when File.Exists(file.Path) => new FileInfo(file.Path).Length,
        _ => 0L,
    });
}

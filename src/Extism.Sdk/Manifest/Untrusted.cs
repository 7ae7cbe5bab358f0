namespace Extism.Sdk;

/// <summary>
/// The limits of the preset for code you do not trust (<see cref="Manifest.Untrusted"/>,
/// <see cref="PluginInitializationOptions.Untrusted"/>). Small enough that a hostile plug-in
/// cannot take the host's memory or a core for long, large enough for ordinary PDK plug-ins
/// (a Rust or AssemblyScript plug-in needs 1–2 MiB of linear memory).
/// </summary>
internal static class UntrustedDefaults
{
    /// <summary>16 MiB of linear memory growth (256 pages of 64 KiB).</summary>
    internal const int MaxPages = 256;

    /// <summary>64 KiB of vars (libextism's default is 1 MiB).</summary>
    internal const long MaxVarBytes = 64 * 1024;

    /// <summary>1 MiB of HTTP response (no host is allowed anyway; libextism's default is 50 MiB).</summary>
    internal const long MaxHttpResponseBytes = 1024 * 1024;

    /// <summary>Two seconds per call; it also bounds the wait for the plug-in's creation.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// 5×10^9 fuel per call (2.5–15 s of a tight wasm loop, so the timeout fires first). The only
    /// thing that ends a start function or <c>_initialize</c> that never returns.
    /// </summary>
    internal const long FuelLimit = 5_000_000_000;

    /// <summary>A copy of <paramref name="manifest"/> whose unset limits (timeout, memory, vars, HTTP response) take the preset's values; set ones are kept.</summary>
    internal static Manifest FillUnset(Manifest manifest)
    {
        var copy = new Manifest
        {
            Sources = new List<WasmSource>(manifest.Sources),
            AllowedHosts = new List<string>(manifest.AllowedHosts),
            AllowedPaths = new Dictionary<string, string>(manifest.AllowedPaths),
            Config = new Dictionary<string, string>(manifest.Config),
            Timeout = manifest.Timeout ?? Timeout,
            MemoryOptions = new MemoryOptions
            {
                MaxPages = manifest.MemoryOptions?.MaxPages ?? MaxPages,
                MaxVarBytes = manifest.MemoryOptions?.MaxVarBytes ?? MaxVarBytes,
                MaxHttpResponseBytes = manifest.MemoryOptions?.MaxHttpResponseBytes ?? MaxHttpResponseBytes,
            },
        };
        return copy;
    }

    /// <summary>Options with the preset's fuel limit and WASI off where <paramref name="options"/> (possibly null) leaves them unset.</summary>
    internal static PluginInitializationOptions FillUnset(PluginInitializationOptions? options) => options is null
        ? PluginInitializationOptions.Untrusted()
        : new PluginInitializationOptions
        {
            WithWasi = options.WithWasi,
            FuelLimit = options.FuelLimit ?? FuelLimit,
            RecycleAfterFailure = options.RecycleAfterFailure,
        };
}

public partial class Manifest
{
    /// <summary>
    /// A manifest for code you do not trust: no WASI directories, no allowed hosts, no config,
    /// linear memory growth capped at 16 MiB (<see cref="MemoryOptions.MaxPages"/> 256), vars at
    /// 64 KiB, HTTP responses at 1 MiB, and a 2-second <see cref="Timeout"/> per call (which also
    /// bounds the wait for the plug-in's creation). Pair it with
    /// <see cref="PluginInitializationOptions.Untrusted"/> (WASI off and a fuel limit, the only
    /// thing that ends start code that never returns). Every field stays settable: change the
    /// ones your plug-in needs on the returned object, which is new and yours.
    /// </summary>
    /// <param name="sources">The wasm modules (the last unnamed one becomes <c>main</c>).</param>
    /// <returns>A new manifest; later changes to it affect only plug-ins created afterwards.</returns>
    /// <remarks>
    /// The preset limits what a plug-in can take; it does not make libextism safe against forged
    /// memory blocks passed to its own imports (see docs/security.md): run code that may attack
    /// the runtime itself in a separate process.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="sources"/> is null.</exception>
    public static Manifest Untrusted(params WasmSource[] sources) => new(sources)
    {
        Timeout = UntrustedDefaults.Timeout,
        MemoryOptions = new MemoryOptions
        {
            MaxPages = UntrustedDefaults.MaxPages,
            MaxVarBytes = UntrustedDefaults.MaxVarBytes,
            MaxHttpResponseBytes = UntrustedDefaults.MaxHttpResponseBytes,
        },
    };
}

public partial class PluginInitializationOptions
{
    /// <summary>
    /// Options for code you do not trust: WASI off, and a fuel limit of 5×10^9 per call (several
    /// seconds of wasm: the timeout normally fires first), which also ends a start function or <c>_initialize</c> that never
    /// returns, something no timeout or cancellation can stop. Self-healing stays on. Returns a
    /// new object each time; change any field on it. Use with <see cref="Manifest.Untrusted"/>.
    /// A fuel limit on a <see cref="CompiledPlugin"/> or pool needs libextism 1.13.0 or later.
    /// </summary>
    /// <returns>A new options object, owned by the caller.</returns>
    public static PluginInitializationOptions Untrusted() => new()
    {
        WithWasi = false,
        FuelLimit = UntrustedDefaults.FuelLimit,
    };
}

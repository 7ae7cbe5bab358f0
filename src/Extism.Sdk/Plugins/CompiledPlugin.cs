using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// A plug-in compiled once, from which instances are made cheaply with <see cref="Instantiate()"/>,
/// from any number of threads at once. Instances share one engine: libextism delivers a timeout
/// or cancel of one instance to every instance that is mid-call at that moment.
/// Disposing it does not affect instances already made.
/// </summary>
public sealed unsafe class CompiledPlugin : IDisposable
{
    private readonly CompiledPluginHandle _handle;
    private readonly bool _recycleAfterFailure = true;
    private int _liveInstances;
    // Our own flag: the handle itself stays open while instances hold references to heal from.
    private int _disposed;
    // What bounds each instantiation: the manifest's timeout when known (TimeoutKnown), else none.
    private readonly TimeSpan? _creationTimeout;

    /// <summary>Compiles a manifest, with or without WASI.</summary>
    /// <exception cref="ArgumentException">The manifest is invalid; the message names the field.</exception>
    /// <exception cref="ExtismException">libextism could not compile it (<see cref="ExtismErrorKind.Creation"/>).</exception>
    public CompiledPlugin(Manifest manifest, HostFunction[] functions, bool withWasi)
        : this(manifest, functions, new PluginInitializationOptions { WithWasi = withWasi })
    {
    }

    /// <summary>Compiles a manifest with WASI and fuel options (a fuel limit needs libextism 1.13.0+).</summary>
    /// <exception cref="NotSupportedException">A fuel limit was asked for and the loaded libextism is older than 1.13.0.</exception>
    /// <inheritdoc cref="CompiledPlugin(Manifest, HostFunction[], bool)"/>
    public CompiledPlugin(Manifest manifest, HostFunction[] functions, PluginInitializationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LibraryLoader.EnsureLoaded();
        ManifestValidator.Validate(manifest, options.WithWasi);
        using var pins = new ManifestJson.PinScope();
        byte[] json = ManifestJson.SerializeForNative(manifest, pins);
        _handle = Compile(json, functions ?? [], options);
        _recycleAfterFailure = options.RecycleAfterFailure;
        // Rounded like the manifest JSON, so a pool can tell its own call's timeout from a sibling's.
        ManifestTimeout = manifest.EffectiveTimeout;
        TimeoutKnown = true;
        _creationTimeout = ManifestTimeout;
    }

    /// <summary>Compiles a wasm binary (or WAT text) with WASI and fuel options.</summary>
    /// <exception cref="ArgumentException"><paramref name="wasm"/> is empty.</exception>
    /// <inheritdoc cref="CompiledPlugin(Manifest, HostFunction[], PluginInitializationOptions)"/>
    public CompiledPlugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LibraryLoader.EnsureLoaded();
        if (wasm.IsEmpty) throw new ArgumentException("The wasm bytes are empty.", nameof(wasm));
        _handle = Compile(wasm, functions ?? [], options);
        _recycleAfterFailure = options.RecycleAfterFailure;
    }

    /// <summary>Compiles a wasm binary (or WAT text), with or without WASI.</summary>
    /// <inheritdoc cref="CompiledPlugin(ReadOnlySpan{byte}, HostFunction[], PluginInitializationOptions)"/>
    public CompiledPlugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, bool withWasi)
        : this(wasm, functions, new PluginInitializationOptions { WithWasi = withWasi })
    {
    }

    /// <summary>Instances made and not yet disposed. With one, an interrupt reaches no sibling.</summary>
    internal int LiveInstances => Volatile.Read(ref _liveInstances);

    internal void InstanceDisposed() => Interlocked.Decrement(ref _liveInstances);

    /// <summary>
    /// The export names its instances are called with, shared by all of them: a pool's or a
    /// request's fresh instance then encodes nothing on its first call (Native/Utf8String.cs).
    /// </summary>
    internal ExportNameCache ExportNames { get; } = new();

    /// <summary>The manifest's per-call timeout; meaningful only when <see cref="TimeoutKnown"/> (raw bytes may hold a manifest we do not parse).</summary>
    internal TimeSpan? ManifestTimeout { get; }

    /// <summary>True when this was compiled from a <see cref="Manifest"/> object, so <see cref="ManifestTimeout"/> is exact.</summary>
    internal bool TimeoutKnown { get; }

    /// <summary>
    /// Makes a new instance. Imports are linked here, so a missing host function or WASI import
    /// fails now, and every module's wasm start function and <c>_initialize</c> run here. The
    /// caller owns (and disposes) the returned plug-in. With
    /// <see cref="PluginInitializationOptions.RecycleAfterFailure"/> (the default) it keeps a
    /// reference to this compiled code to heal from, even after this object is disposed.
    /// The manifest's <see cref="Manifest.Timeout"/> bounds the creation (see <see cref="Instantiate(CancellationToken)"/>).
    /// </summary>
    /// <exception cref="ExtismException">Instantiation failed (<see cref="ExtismErrorKind.Creation"/>).</exception>
    /// <exception cref="ExtismTimeoutException">The plug-in's start code ran longer than the manifest's timeout.</exception>
    /// <exception cref="ObjectDisposedException">This compiled plug-in was disposed.</exception>
    public Plugin Instantiate() => Instantiate(CancellationToken.None);

    /// <summary>
    /// Makes a new instance, like <see cref="Instantiate()"/>, giving up when
    /// <paramref name="cancellationToken"/> fires or the manifest's <see cref="Manifest.Timeout"/>
    /// passes first (for a creation, at least one second: wasmtime's own instantiation work is
    /// part of it). libextism cannot interrupt a start function (only a fuel limit ends one), so
    /// a creation given up on keeps running on a background thread, holding its thread, its store
    /// and this compiled code until it ends; the instance it may still make is freed. While one
    /// such creation of this code still runs, further creations from it wait for it to end within
    /// their own bound and otherwise fail with <see cref="ExtismErrorKind.Creation"/>. A creation with neither bound runs on the calling
    /// thread, as long as its start code runs.
    /// </summary>
    /// <exception cref="ExtismException">Instantiation failed (<see cref="ExtismErrorKind.Creation"/>).</exception>
    /// <exception cref="ExtismTimeoutException">The plug-in's start code ran longer than the manifest's timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="ObjectDisposedException">This compiled plug-in was disposed.</exception>
    public Plugin Instantiate(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_recycleAfterFailure) return InstantiateWithoutSource(cancellationToken);
        // The source's reference on the code (taken first; throws ObjectDisposedException if
        // Dispose won the race since the check above) also keeps it alive while instantiating:
        // no second reference to take and drop.
        var recycleFrom = new InstanceSource(_handle, _creationTimeout);
        PluginHandle native;
        try
        {
            native = InstanceSource.Instantiate(_handle, _creationTimeout, cancellationToken);
        }
        catch
        {
            recycleFrom.Dispose();
            throw;
        }
        Interlocked.Increment(ref _liveInstances);
        return new Plugin(native, this, recycleFrom);
    }

    private Plugin InstantiateWithoutSource(CancellationToken cancellationToken)
    {
        bool referenced = false;
        try
        {
            // Throws ObjectDisposedException if Dispose won the race since the check in Instantiate.
            _handle.DangerousAddRef(ref referenced);
            PluginHandle native = InstanceSource.Instantiate(_handle, _creationTimeout, cancellationToken);
            Interlocked.Increment(ref _liveInstances);
            return new Plugin(native, this, recycleFrom: null);
        }
        finally
        {
            if (referenced) _handle.DangerousRelease();
        }
    }

    /// <summary>Frees the compiled code. Instances made from it keep working. Idempotent.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        _handle.Dispose();
    }

    /// <summary>Compiles; also how <see cref="Plugin"/>'s constructors make the code they instantiate and keep.</summary>
    internal static CompiledPluginHandle Compile(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options)
    {
        if (options.FuelLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.FuelLimit, "FuelLimit must be positive (null for no limit).");
        if (options.FuelLimit is not null && !LibraryLoader.HasCompiledFuelLimit)
        {
            throw new NotSupportedException(
                $"A fuel limit on a CompiledPlugin needs libextism {LibraryLoader.CompiledFuelVersion} or newer (extism_compiled_plugin_new_with_fuel_limit); the loaded library is {LibraryLoader.Loaded.VersionText}. Use Plugin with a fuel limit, or a newer libextism.");
        }
        using var natives = new NativeFunctionSet(functions);
        byte* error = null;
        NativeCompiledPlugin* compiled;
        fixed (byte* bytes = wasm)
        {
            compiled = options.FuelLimit is { } fuel
                ? Interop.extism_compiled_plugin_new_with_fuel_limit(bytes, (ulong)wasm.Length, natives.List, natives.Count, options.WithWasi, (ulong)fuel, &error)
                : Interop.extism_compiled_plugin_new(bytes, (ulong)wasm.Length, natives.List, natives.Count, options.WithWasi, &error);
        }
        if (compiled is null) throw Plugin.CreationError(error);
        return new CompiledPluginHandle(compiled);
    }
}

using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// A loaded plug-in instance. Safe to share between threads: calls on one instance are serialised
/// (a plug-in runs one call at a time); for parallelism use several instances, e.g. from one
/// <see cref="CompiledPlugin"/>. Dispose it to free the native instance; disposing while another
/// thread is in a call is safe (the instance is freed when that call returns).
/// </summary>
public sealed unsafe partial class Plugin : IDisposable
{
    private readonly PluginHandle _handle;
    private readonly NativeCancelHandle* _cancelHandle;
    private readonly CallContext _context;
    private int _disposed;

    /// <summary>Creates a plug-in from a manifest.</summary>
    /// <param name="manifest">The modules and permissions; validated here, before libextism sees it.</param>
    /// <param name="functions">Host functions the plug-in may import; each can also be used by other plug-ins.</param>
    /// <param name="options">WASI and fuel.</param>
    /// <exception cref="ArgumentException">The manifest is invalid; the message names the field.</exception>
    /// <exception cref="ExtismException">libextism could not compile, link or instantiate it (<see cref="ExtismErrorKind.Creation"/>).</exception>
    public Plugin(Manifest manifest, HostFunction[] functions, PluginInitializationOptions options)
        : this(manifest, functions, (options ?? throw new ArgumentNullException(nameof(options))).WithWasi, options.FuelLimit)
    {
    }

    /// <summary>Creates a plug-in from a manifest (Extism.Sdk 1.x options type).</summary>
    /// <inheritdoc cref="Plugin(Manifest, HostFunction[], PluginInitializationOptions)"/>
    public Plugin(Manifest manifest, HostFunction[] functions, PluginIntializationOptions options)
        : this(manifest, functions, (PluginInitializationOptions)options)
    {
    }

    /// <summary>Creates a plug-in from a manifest, with or without WASI.</summary>
    /// <inheritdoc cref="Plugin(Manifest, HostFunction[], PluginInitializationOptions)"/>
    public Plugin(Manifest manifest, HostFunction[] functions, bool withWasi)
        : this(manifest, functions, withWasi, null)
    {
    }

    /// <summary>
    /// Creates a plug-in from a wasm binary (or WAT text starting with <c>(module</c>, or manifest
    /// JSON/TOML bytes). The bytes are only read during this call.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="wasm"/> is empty.</exception>
    /// <exception cref="ExtismException">libextism could not compile, link or instantiate it.</exception>
    public Plugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, bool withWasi)
        : this(wasm, functions, withWasi, null)
    {
    }

    /// <summary>Creates a plug-in from a wasm binary with WASI and fuel options.</summary>
    /// <inheritdoc cref="Plugin(ReadOnlySpan{byte}, HostFunction[], bool)"/>
    public Plugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options)
        : this(wasm, functions, (options ?? throw new ArgumentNullException(nameof(options))).WithWasi, options.FuelLimit)
    {
    }

    private Plugin(Manifest manifest, HostFunction[] functions, bool withWasi, long? fuelLimit)
    {
        LibraryLoader.EnsureLoaded();
        ManifestValidator.Validate(manifest, withWasi);
        CheckFuel(fuelLimit);
        using var pins = new ManifestJson.PinScope();
        byte[] json = ManifestJson.SerializeForNative(manifest, pins);
        _handle = Create(json, functions ?? [], withWasi, fuelLimit);
        _cancelHandle = Interop.extism_plugin_cancel_handle(_handle);
        _context = new CallContext(this);
        Id = ReadId(_handle);
    }

    private Plugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, bool withWasi, long? fuelLimit)
    {
        LibraryLoader.EnsureLoaded();
        if (wasm.IsEmpty) throw new ArgumentException("The wasm bytes are empty.", nameof(wasm));
        CheckFuel(fuelLimit);
        _handle = Create(wasm, functions ?? [], withWasi, fuelLimit);
        _cancelHandle = Interop.extism_plugin_cancel_handle(_handle);
        _context = new CallContext(this);
        Id = ReadId(_handle);
    }

    /// <summary>Wraps an instance made by <see cref="CompiledPlugin.Instantiate"/>.</summary>
    // Host-function definitions need no reference here: each registration's GCHandle keeps its
    // definition alive until libextism frees the native function.
    internal Plugin(PluginHandle handle, CompiledPlugin source)
    {
        _handle = handle;
        _source = source;
        _cancelHandle = Interop.extism_plugin_cancel_handle(_handle);
        _context = new CallContext(this);
        Id = ReadId(_handle);
    }

    /// <summary>Creates a plug-in from WebAssembly text. Leading white space is allowed (libextism itself needs <c>(module</c> first).</summary>
    public static Plugin FromWat(string wat, HostFunction[]? functions = null, bool withWasi = false)
    {
        ArgumentNullException.ThrowIfNull(wat);
        return new Plugin(Encoding.UTF8.GetBytes(wat.TrimStart('\uFEFF', ' ', '\t', '\r', '\n')), functions ?? [], withWasi);
    }

    /// <summary>The runtime's id for this instance (the same UUID libextism prints in log lines).</summary>
    public Guid Id { get; }

    // Instances of one CompiledPlugin share its engine, and an interrupt reaches all of them.
    private readonly CompiledPlugin? _source;

    /// <summary>True when an interrupt of this instance could reach another live instance (same compiled plug-in).</summary>
    internal bool SharesEngine => _source is { LiveInstances: > 1 };

    /// <summary>Made by <see cref="CompiledPlugin.Instantiate"/>: its engine is (or was) shared with any siblings.</summary>
    internal bool FromCompiledPlugin => _source is not null;

    internal PluginHandle Handle => _handle;

    internal CallContext Context => _context;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>True when the main module exports <paramref name="name"/> with a callable signature (no parameters; no result or one i32).</summary>
    public bool FunctionExists(string name)
    {
        using var utf8 = new Utf8String(name, nameof(name));
        lock (EnterLock())
        {
            fixed (byte* p = utf8.Span) return Interop.extism_plugin_function_exists(_handle, p);
        }
    }

    /// <summary>Frees all Extism memory blocks of the last call (its output included). Returns false if the runtime failed to.</summary>
    public bool Reset()
    {
        lock (EnterLock()) return Interop.extism_plugin_reset(_handle);
    }

    /// <summary>Lets the plug-in read response headers of its <c>http_request</c> calls. Call it before the first call.</summary>
    public void AllowHttpResponseHeaders()
    {
        lock (EnterLock()) Interop.extism_plugin_allow_http_response_headers(_handle);
    }

    /// <summary>
    /// Merges <paramref name="value"/> into the plug-in's config: each key is set, and a null value
    /// removes the key. <paramref name="serializerOptions"/> is accepted for compatibility; only its
    /// encoder is used. Returns false if libextism rejected the update.
    /// </summary>
    public bool UpdateConfig(Dictionary<string, string> value, JsonSerializerOptions serializerOptions)
    {
        ArgumentNullException.ThrowIfNull(value);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = serializerOptions?.Encoder }))
        {
            writer.WriteStartObject();
            foreach (KeyValuePair<string, string> pair in value)
            {
                if (pair.Value is null) writer.WriteNull(pair.Key);
                else writer.WriteString(pair.Key, pair.Value);
            }
            writer.WriteEndObject();
        }
        return UpdateConfig(buffer.WrittenSpan);
    }

    /// <summary>Merges a JSON object of string (or null, to remove) values into the plug-in's config. Returns false if it is not such an object.</summary>
    public bool UpdateConfig(ReadOnlySpan<byte> json)
    {
        byte dummy = 0;
        lock (EnterLock())
        {
            fixed (byte* p = json) return Interop.extism_plugin_config(_handle, p is null ? &dummy : p, (ulong)json.Length);
        }
    }

    /// <summary>The libextism version string, e.g. <c>1.41.0</c>.</summary>
    public static string ExtismVersion()
    {
        LibraryLoader.EnsureLoaded();
        return Marshal.PtrToStringUTF8((IntPtr)Interop.extism_version()) ?? "";
    }

    /// <summary>
    /// Frees the native instance. Idempotent. A call running on another thread finishes first;
    /// later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _source?.InstanceDisposed();
        // SafeHandle reference counting defers the native free until in-flight calls release it.
        _handle.Dispose();
    }

    private static void CheckFuel(long? fuelLimit)
    {
        if (fuelLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(fuelLimit), fuelLimit, "FuelLimit must be positive (null for no limit).");
    }

    private static Guid ReadId(PluginHandle handle) => new(new ReadOnlySpan<byte>(Interop.extism_plugin_id(handle), 16), bigEndian: true);

    private static PluginHandle Create(ReadOnlySpan<byte> wasm, HostFunction[] functions, bool withWasi, long? fuelLimit)
    {
        using var natives = new NativeFunctionSet(functions);
        byte* error = null;
        NativePlugin* plugin;
        fixed (byte* bytes = wasm)
        {
            plugin = fuelLimit is { } fuel
                ? Interop.extism_plugin_new_with_fuel_limit(bytes, (ulong)wasm.Length, natives.List, natives.Count, withWasi, (ulong)fuel, &error)
                : Interop.extism_plugin_new(bytes, (ulong)wasm.Length, natives.List, natives.Count, withWasi, &error);
        }
        if (plugin is null) throw CreationError(error);
        return new PluginHandle(plugin);
    }

    /// <summary>Turns a constructor's owned error string into an exception, freeing the string.</summary>
    internal static ExtismException CreationError(byte* error)
    {
        string message = error is null ? "libextism failed without a message." : Marshal.PtrToStringUTF8((IntPtr)error) ?? "";
        Interop.extism_plugin_new_error_free(error);
        return new ExtismException(message, ExtismErrorKind.Creation, null);
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// Where a <see cref="Plugin"/> gets a fresh native instance after a call that aborted guest code
/// mid-flight (self-healing; see <see cref="PluginInitializationOptions.RecycleAfterFailure"/>): the
/// compiled code it was made from, kept alive by a reference of its own (so it outlives a
/// user's <see cref="CompiledPlugin.Dispose"/>), plus what was configured on the instance since
/// creation (<see cref="Plugin.UpdateConfig(ReadOnlySpan{byte})"/> changes,
/// <see cref="Plugin.AllowHttpResponseHeaders"/>). Everything else the user configured (manifest
/// with timeout, hosts, paths, memory and config; host functions; WASI; fuel limit) is part of the
/// compiled code. Guest state (memory, globals, vars) is not carried over.
/// </summary>
internal sealed unsafe class InstanceSource : IDisposable
{
    private readonly CompiledPluginHandle _compiled;
    // 1 once Dispose dropped this source's reference. A replacement's instantiation takes a
    // reference of its own (SafeHandle counting: refused once the code is freed), so the compiled
    // code is never freed under a running instantiation without a lock between the two (the
    // plug-in's own lock cannot order them: Dispose does not wait for calls).
    private int _released;
    private Dictionary<string, string?>? _config; // merged UpdateConfig changes; null value = key removed
    private bool _httpHeaders;
    private readonly TimeSpan? _timeout; // the manifest's, which bounds each replacement's creation

    /// <summary>Takes a reference on <paramref name="compiled"/>, held until <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException"><paramref name="compiled"/> was disposed already.</exception>
    internal InstanceSource(CompiledPluginHandle compiled, TimeSpan? timeout)
    {
        _timeout = timeout;
        bool added = false;
        compiled.DangerousAddRef(ref added);
        _compiled = compiled;
    }

    /// <summary>
    /// A new plug-in's first instance: compiles, then instantiates, and keeps the compiled code (in
    /// the returned source) for self-healing, so a replacement is never compiled again. Compiling
    /// and instantiating separately costs what <c>extism_plugin_new</c> does (measured from C).
    /// Only a fuel limit on libextism before 1.13.0 (no compiled fuel) takes the one-step way,
    /// without self-healing.
    /// </summary>
    /// <param name="wasm">The wasm, WAT or manifest JSON to compile.</param>
    /// <param name="functions">The host functions to link.</param>
    /// <param name="options">WASI, fuel and self-healing.</param>
    /// <param name="timeout">The manifest's timeout, which also bounds the instantiation; null when none or unknown.</param>
    internal static (PluginHandle Native, InstanceSource? RecycleFrom) Create(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options, TimeSpan? timeout)
    {
        if (options.FuelLimit is { } fuel && !LibraryLoader.HasCompiledFuelLimit)
        {
            using var natives = new NativeFunctionSet(functions);
            byte* error = null;
            NativePlugin* plugin;
            fixed (byte* bytes = wasm)
            {
                plugin = Interop.extism_plugin_new_with_fuel_limit(bytes, (ulong)wasm.Length, natives.List, natives.Count, options.WithWasi, (ulong)fuel, &error);
            }
            if (plugin is null) throw Plugin.CreationError(error);
            return (new PluginHandle(plugin), null);
        }
        // Ours only until this method returns: the source (if any) holds its own reference.
        using CompiledPluginHandle compiled = CompiledPlugin.Compile(wasm, functions, options);
        PluginHandle native = Instantiate(compiled, timeout);
        return (native, options.RecycleAfterFailure ? new InstanceSource(compiled, timeout) : null);
    }

    /// <summary>
    /// Makes one native instance from compiled code the caller holds a reference on, within the
    /// manifest's <paramref name="timeout"/>, <paramref name="token"/> and the thread's creation
    /// bound (BoundedCreation.cs: the modules' start functions run here).
    /// </summary>
    /// <exception cref="ExtismException">libextism could not instantiate it (<see cref="ExtismErrorKind.Creation"/>).</exception>
    /// <exception cref="ExtismTimeoutException">The creation overran the manifest's timeout.</exception>
    /// <exception cref="OperationCanceledException">A token fired while waiting.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static PluginHandle Instantiate(CompiledPluginHandle compiled, TimeSpan? timeout, CancellationToken token = default)
        => BoundedCreation.Run(compiled, timeout, token);

    /// <summary>Makes one native instance on this thread, however long its start functions run.</summary>
    /// <exception cref="ExtismException">libextism could not instantiate it (<see cref="ExtismErrorKind.Creation"/>).</exception>
    internal static PluginHandle InstantiateNow(CompiledPluginHandle compiled)
    {
        byte* error = null;
        NativePlugin* plugin = Interop.extism_plugin_new_from_compiled(compiled.Pointer, &error);
        if (plugin is null) throw Plugin.CreationError(error);
        return new PluginHandle(plugin);
    }

    /// <summary>
    /// A fresh instance with this plug-in's configuration changes applied, or null once the plug-in
    /// is disposed. Called under the plug-in's lock.
    /// </summary>
    internal PluginHandle? NewInstance()
    {
        if (Volatile.Read(ref _released) != 0) return null;
        PluginHandle fresh;
        bool referenced = false;
        try
        {
            // Fails only when Dispose won the race and nothing else (a CompiledPlugin, a sibling's
            // source) holds the code: then there is nothing to instantiate from, as after Dispose.
            _compiled.DangerousAddRef(ref referenced);
            fresh = Instantiate(_compiled, _timeout);
        }
        catch (ObjectDisposedException) when (!referenced)
        {
            return null;
        }
        finally
        {
            if (referenced) _compiled.DangerousRelease();
        }
        if (_httpHeaders) Interop.extism_plugin_allow_http_response_headers(fresh);
        if (_config is { Count: > 0 } config)
        {
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json))
            {
                writer.WriteStartObject();
                foreach (KeyValuePair<string, string?> pair in config)
                {
                    if (pair.Value is null) writer.WriteNull(pair.Key);
                    else writer.WriteString(pair.Key, pair.Value);
                }
                writer.WriteEndObject();
            }
            fixed (byte* p = json.WrittenSpan) Interop.extism_plugin_config(fresh, p, (ulong)json.WrittenCount);
        }
        return fresh;
    }

    /// <summary>Remembers a config change libextism accepted (a JSON object of string or null values). Called under the plug-in's lock.</summary>
    internal void RecordConfig(ReadOnlySpan<byte> json)
    {
        _config ??= new Dictionary<string, string?>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json);
        reader.Read(); // the start of the object
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            _config[key] = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
        }
    }

    /// <summary>Remembers <see cref="Plugin.AllowHttpResponseHeaders"/>. Called under the plug-in's lock.</summary>
    internal void RecordHttpHeaders() => _httpHeaders = true;

    /// <summary>Drops the reference on the compiled code (freed once nothing else holds it). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        _compiled.DangerousRelease();
        GC.SuppressFinalize(this);
    }

    // A plug-in collected without Dispose must not pin its compiled code for the process's life.
    // Ordinary finalizers run before critical ones (SafeHandle's), so the handle is still usable here.
    ~InstanceSource() => Dispose();
}

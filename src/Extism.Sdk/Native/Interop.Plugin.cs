using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

internal static unsafe partial class Interop
{
    // Construction. Each returns NULL on failure and then writes an owned error string to
    // *errmsg, which must go back through extism_plugin_new_error_free.

    [LibraryImport(Library)]
    internal static partial NativePlugin* extism_plugin_new(
        byte* wasm, ulong wasmSize, NativeFunction** functions, ulong nFunctions,
        [MarshalAs(UnmanagedType.U1)] bool withWasi, byte** errmsg);

    [LibraryImport(Library)]
    internal static partial NativePlugin* extism_plugin_new_with_fuel_limit(
        byte* wasm, ulong wasmSize, NativeFunction** functions, ulong nFunctions,
        [MarshalAs(UnmanagedType.U1)] bool withWasi, ulong fuelLimit, byte** errmsg);

    /// <summary>Takes a raw pointer: callers hold a reference on the compiled plug-in's handle (see InstanceSource).</summary>
    [LibraryImport(Library)]
    internal static partial NativePlugin* extism_plugin_new_from_compiled(NativeCompiledPlugin* compiled, byte** errmsg);

    [LibraryImport(Library)]
    internal static partial void extism_plugin_new_error_free(byte* err);

    /// <summary>Takes a raw pointer: only <see cref="PluginHandle.ReleaseHandle"/> calls it.</summary>
    [LibraryImport(Library)]
    internal static partial void extism_plugin_free(NativePlugin* plugin);

    // Per-plug-in queries and configuration. None of these take libextism's own lock, so the
    // façade holds the plug-in's managed lock around every one of them.

    [LibraryImport(Library)]
    internal static partial byte* extism_plugin_id(PluginHandle plugin);

    /// <summary>Raw pointer, no GC transition (returns the address of a field): only a new <see cref="PluginHandle"/>, which nobody else holds yet, calls it.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial byte* extism_plugin_id(NativePlugin* plugin);

    [LibraryImport(Library)]
    internal static partial void extism_plugin_allow_http_response_headers(PluginHandle plugin);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_plugin_config(PluginHandle plugin, byte* json, ulong jsonSize);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_plugin_function_exists(PluginHandle plugin, byte* funcName);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_plugin_reset(PluginHandle plugin);

    // Calling. Output and error pointers belong to the plug-in and die at its next operation.

    [LibraryImport(Library)]
    internal static partial int extism_plugin_call(PluginHandle plugin, byte* funcName, byte* data, ulong dataLen);

    [LibraryImport(Library)]
    internal static partial int extism_plugin_call_with_host_context(
        PluginHandle plugin, byte* funcName, byte* data, ulong dataLen, void* hostContext);

    [LibraryImport(Library)]
    internal static partial byte* extism_plugin_error(PluginHandle plugin);

    /// <summary>Deprecated alias of <see cref="extism_plugin_error(PluginHandle)"/>; bound for completeness.</summary>
    [LibraryImport(Library)]
    internal static partial byte* extism_error(PluginHandle plugin);

    [LibraryImport(Library)]
    internal static partial ulong extism_plugin_output_length(PluginHandle plugin);

    // Raw-pointer overloads for the hot call path, which already holds a reference on the handle.
    [LibraryImport(Library)]
    internal static partial int extism_plugin_call_with_host_context(NativePlugin* plugin, byte* funcName, byte* data, ulong dataLen, void* hostContext);

    // The three reads after a call skip the GC transition (about 10-20 ns each): they only read
    // the instance's last result, run no wasm and call nothing back, and the instance mutex they
    // take is never contended, because the plug-in's managed lock serialises everything that
    // touches the instance (cancels use a channel, not that mutex). The error read may copy a
    // guest message (one short allocation) on a failed call only.

    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial byte* extism_plugin_error(NativePlugin* plugin);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial ulong extism_plugin_output_length(NativePlugin* plugin);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial byte* extism_plugin_output_data(NativePlugin* plugin);

    [LibraryImport(Library)]
    internal static partial byte* extism_plugin_output_data(PluginHandle plugin);

    // Cancellation: the handle lives inside the plug-in, so callers keep the plug-in alive
    // (a SafeHandle reference) for as long as they use it.

    [LibraryImport(Library)]
    internal static partial NativeCancelHandle* extism_plugin_cancel_handle(PluginHandle plugin);

    /// <summary>Raw pointer, no GC transition (returns the address of a field): only a new <see cref="PluginHandle"/>, which nobody else holds yet, calls it.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial NativeCancelHandle* extism_plugin_cancel_handle(NativePlugin* plugin);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_plugin_cancel(NativeCancelHandle* handle);
}

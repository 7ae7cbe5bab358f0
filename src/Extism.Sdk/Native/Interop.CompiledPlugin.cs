using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Library)]
    internal static partial NativeCompiledPlugin* extism_compiled_plugin_new(
        byte* wasm, ulong wasmSize, NativeFunction** functions, ulong nFunctions,
        [MarshalAs(UnmanagedType.U1)] bool withWasi, byte** errmsg);

    /// <summary>Since libextism 1.13.0: check <see cref="LibraryLoader.HasCompiledFuelLimit"/> first.</summary>
    [LibraryImport(Library)]
    internal static partial NativeCompiledPlugin* extism_compiled_plugin_new_with_fuel_limit(
        byte* wasm, ulong wasmSize, NativeFunction** functions, ulong nFunctions,
        [MarshalAs(UnmanagedType.U1)] bool withWasi, ulong fuelLimit, byte** errmsg);

    [LibraryImport(Library)]
    internal static partial void extism_compiled_plugin_free(NativeCompiledPlugin* plugin);
}

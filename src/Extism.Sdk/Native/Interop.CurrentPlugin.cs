using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

// Valid only inside a host-function callback, on the thread that runs it.
internal static unsafe partial class Interop
{
    [LibraryImport(Library)]
    internal static partial void* extism_current_plugin_host_context(NativeCurrentPlugin* plugin);

    /// <summary>Base of the Extism kernel memory; read it again after every allocation.</summary>
    [LibraryImport(Library)]
    internal static partial byte* extism_current_plugin_memory(NativeCurrentPlugin* plugin);

    /// <summary>Returns 0 on failure and for a zero length.</summary>
    [LibraryImport(Library)]
    internal static partial ulong extism_current_plugin_memory_alloc(NativeCurrentPlugin* plugin, ulong n);

    [LibraryImport(Library)]
    internal static partial ulong extism_current_plugin_memory_length(NativeCurrentPlugin* plugin, ulong offset);

    [LibraryImport(Library)]
    internal static partial void extism_current_plugin_memory_free(NativeCurrentPlugin* plugin, ulong offset);
}

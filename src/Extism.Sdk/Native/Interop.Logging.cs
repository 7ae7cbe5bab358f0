using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

// Process-global: only the first successful sink installation in a process wins.
internal static unsafe partial class Interop
{
    /// <summary>Aborts the process if the file cannot be opened: callers check the path first.</summary>
    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_log_file(byte* filename, byte* logLevel);

    /// <summary>Never call twice: a second call orphans the queue that draining reads.</summary>
    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool extism_log_custom(byte* logLevel);

    [LibraryImport(Library)]
    internal static partial void extism_log_drain(delegate* unmanaged[Cdecl]<byte*, ulong, void> handler);
}

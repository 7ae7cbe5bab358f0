using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Extism.Sdk.Native;

/// <summary>
/// One <c>[LibraryImport]</c> per function of libextism's C header, split by area into partial
/// files. Exact C types: <c>ExtismSize</c> is <c>ulong</c>, C <c>bool</c> is one byte, strings
/// are NUL-terminated UTF-8 passed as <c>byte*</c> (marshalled by the callers without garbage),
/// and returned strings are pointers that we copy and never free through the marshaller.
/// </summary>
internal static unsafe partial class Interop
{
    /// <summary>The library name every import uses; the resolver in <see cref="LibraryLoader"/> maps it to a file.</summary>
    internal const string Library = "extism";

    /// <summary><c>const char *extism_version(void)</c>: a static string, never freed.</summary>
    [LibraryImport(Library, EntryPoint = "extism_version")]
    internal static partial byte* extism_version();
}

using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

internal static unsafe partial class Interop
{
    /// <summary>
    /// Creates a one-shot function container. The first plug-in constructor it is given to
    /// moves the function out; the shell must still be freed with <see cref="extism_function_free"/>.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial NativeFunction* extism_function_new(
        byte* name,
        ExtismValType* inputs, ulong nInputs,
        ExtismValType* outputs, ulong nOutputs,
        delegate* unmanaged[Cdecl]<NativeCurrentPlugin*, ExtismVal*, ulong, ExtismVal*, ulong, void*, void> func,
        void* userData,
        delegate* unmanaged[Cdecl]<void*, void> freeUserData);

    [LibraryImport(Library)]
    internal static partial void extism_function_free(NativeFunction* function);

    /// <summary>A no-op once the function has been registered: set it before.</summary>
    [LibraryImport(Library)]
    internal static partial void extism_function_set_namespace(NativeFunction* function, byte* ns);
}

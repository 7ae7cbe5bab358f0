using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The native functions for one plug-in or compiled-plug-in constructor: made fresh from the
/// definitions, handed over as a <c>const ExtismFunction**</c> list, and their shells freed on
/// Dispose (a registered function leaves an empty shell; an unregistered one is dropped, which
/// releases its user data).
/// </summary>
internal sealed unsafe class NativeFunctionSet : IDisposable
{
    private readonly FunctionHandle[] _handles;
    private readonly IntPtr[] _pointers;

    internal NativeFunctionSet(HostFunction[]? functions)
    {
        functions ??= [];
        _handles = new FunctionHandle[functions.Length];
        // On the pinned heap, so the list's address stays valid without a fixed block.
        _pointers = GC.AllocateArray<IntPtr>(functions.Length, pinned: true);
        try
        {
            for (int i = 0; i < functions.Length; i++)
            {
                HostFunction f = functions[i] ?? throw new ArgumentException($"functions[{i}] is null.", nameof(functions));
                _handles[i] = f.CreateNative();
                _pointers[i] = (IntPtr)_handles[i].Pointer;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal ulong Count => (ulong)_pointers.Length;

    /// <summary>The list to pass to a constructor: NULL when empty (libextism then ignores the count).</summary>
    internal NativeFunction** List => _pointers.Length == 0 ? null : (NativeFunction**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pointers));

    public void Dispose()
    {
        foreach (FunctionHandle? handle in _handles) handle?.Dispose();
    }
}

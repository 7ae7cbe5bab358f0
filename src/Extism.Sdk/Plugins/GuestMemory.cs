using System.Runtime.CompilerServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// What the SDK knows, without trusting the plug-in, about one native instance's Extism (kernel)
/// memory: its base and how many bytes from the base are certainly inside it. Every read and
/// write the SDK makes of plug-in memory (CurrentPlugin, the host-function helpers, generated
/// host functions, the call's output) is checked here first.
/// </summary>
/// <remarks>
/// Why: libextism reports block and output lengths from headers kept inside that memory, which
/// the guest can overwrite with <c>store_u64</c>, and it exposes no size of the memory. The size
/// comes from the operating system instead (<see cref="MemoryProbe"/>) and is remembered: within
/// one wasmtime store the kernel memory only grows and, with libextism's engine configuration
/// (wasmtime's default 4 GiB reservation for a 32-bit memory), never moves, so a known-good
/// extent stays good and the steady state costs two compares. It could only go stale when
/// libextism replaces the store (a new, possibly smaller memory, possibly at the same address):
/// it does that at the start of the call after a <c>_start</c> call and at no other time
/// (plugin.rs <c>store_needs_reset</c>; pinned for the loaded release by the hostile suite), and
/// <see cref="Plugin"/> calls <see cref="StoreWillBeReplaced"/> then. A base that differs from
/// the remembered one (seen by a host call) also starts over.
/// <para>
/// The base: a host call gets it from libextism (<c>extism_current_plugin_memory</c>, the running
/// store's memory). A call's output has only a pointer (base + the kernel's output offset); when
/// no host call told the base yet, <see cref="LocateBase"/> finds the start of the readable run
/// that holds the pointer (wasmtime puts a guard region before every linear memory) and accepts
/// it only if the kernel's root there records that very output offset (else the lowest page of
/// the run whose root does, should a platform have no guard before it; the guest cannot write
/// the root's first 64 bytes: the kernel's load and store functions refuse them, except the
/// output length's last bytes).
/// </para>
/// Ranges are limited to the first 4 GiB (the most a 32-bit memory can hold), which also keeps
/// every probe inside the memory's own reservation. One instance is used by one call at a time
/// (under the plug-in's lock).
/// </remarks>
internal sealed unsafe class GuestMemory
{
    internal const ulong MaxSize = 1UL << 32;

    // The kernel's MemoryRoot sits at offset 1; its output_offset field at 1 + 48 (kernel/src/lib.rs).
    private const int RootOutputOffset = 49;
    private const ulong FirstBlock = 65;

    private byte* _base;
    private ulong _extent;
    // The libextism CurrentPlugin the last host call ran with: the data of the running store, so
    // a new one means a new store (defence in depth beside StoreWillBeReplaced).
    private void* _store;

    /// <summary>The base of the memory last seen; null while not known (before the first host call or located output, after <see cref="StoreWillBeReplaced"/>).</summary>
    internal byte* Base => _base;

    /// <summary>The next call runs in a new store: forget the base and the extent.</summary>
    internal void StoreWillBeReplaced()
    {
        _base = null;
        _extent = 0;
        _store = null;
    }

    /// <summary>
    /// True when [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// lies inside the memory whose base libextism reports as <paramref name="base"/> (authoritative:
    /// it comes from wasmtime for the store that is running), for a host call running with
    /// libextism's <paramref name="store"/> (its CurrentPlugin).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Contains(byte* @base, void* store, ulong offset, ulong length)
    {
        if (store != _store)
        {
            _store = store;
            _extent = 0;
        }
        return Contains(@base, offset, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Contains(byte* @base, ulong offset, ulong length)
        => (@base == _base && offset <= _extent && length <= _extent - offset) || Learn(@base, offset, length);

    /// <summary>True when the output libextism points at (<paramref name="data"/>, <paramref name="length"/>) lies inside the memory.</summary>
    internal bool ContainsOutput(byte* data, ulong length)
    {
        byte* @base = _base;
        if ((@base is null || data < @base || (ulong)(data - @base) >= MaxSize) && (@base = LocateBase(data)) is null) return false;
        return Contains(@base, (ulong)(data - @base), length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Learn(byte* @base, ulong offset, ulong length)
    {
        if (@base is null) return false;
        if (@base != _base)
        {
            _base = @base;
            _extent = 0;
        }
        if (offset > MaxSize || length > MaxSize - offset) return false;
        ulong end = offset + length;
        if (end <= _extent) return true;
        // Only the part past the known extent is asked about; readable from the base without a
        // gap means inside the memory (its accessible part is one prefix of its reservation).
        nuint readable = MemoryProbe.ReadablePrefix(@base + _extent, (nuint)(end - _extent));
        _extent = Math.Min(MaxSize, _extent + readable);
        return end <= _extent;
    }

    /// <summary>
    /// The base of the memory holding <paramref name="data"/>, or null: the first page of the
    /// readable run that contains it, confirmed by the kernel root's output offset there.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* LocateBase(byte* data)
    {
        byte* start = MemoryProbe.StartOfReadableRun(data, MaxSize);
        if (start is null) return null;
        // Normally the run starts at the base. Should a platform put no guard before the memory,
        // the run starts lower and the base is the lowest page whose root records the offset (the
        // guest can plant such a record only inside its memory, i.e. above the real base).
        nuint page = (nuint)Environment.SystemPageSize;
        for (byte* candidate = start; candidate + FirstBlock <= data; candidate += page)
        {
            if (Unsafe.ReadUnaligned<ulong>(candidate + RootOutputOffset) != (ulong)(data - candidate)) continue;
            _base = candidate;
            _extent = 0;
            return candidate;
        }
        return null;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The plug-in that is calling a host function, with access to its Extism memory. A struct, so
/// host calls allocate nothing; it is valid only during the host call it was passed to: never
/// keep it. Offsets are Extism memory handles (<see cref="ExtismValType.PTR"/> values).
/// </summary>
public readonly unsafe struct CurrentPlugin
{
    private readonly NativeCurrentPlugin* _native;
    private readonly HostFunction _function;

    internal CurrentPlugin(NativeCurrentPlugin* native, HostFunction function)
    {
        _native = native;
        _function = function;
    }

    /// <summary>The user data given when the host function was defined, if it is a <typeparamref name="T"/>; otherwise default.</summary>
    public T? GetUserData<T>() => _function?.UserData is T value ? value : default;

    /// <summary>
    /// The host context passed to <see cref="Plugin.CallWithHostContext{T}(string, ReadOnlySpan{byte}, T, CancellationToken?)"/>
    /// for the call in progress, if it is a <typeparamref name="T"/>; default for calls made without one.
    /// </summary>
    public T? GetCallHostContext<T>()
    {
        void* context = Interop.extism_current_plugin_host_context(_native);
        if (context is null) return default;
        return GCHandle.FromIntPtr((IntPtr)context).Target is T value ? value : default;
    }

    /// <summary>Old API: the user data when it is a boxed <see cref="IntPtr"/>; otherwise 0. Use <see cref="GetUserData{T}"/>.</summary>
    [Obsolete("Use GetUserData<T>() instead.")]
    public nint UserData => _function?.UserData is nint pointer ? pointer : 0;

    /// <summary>Base address of the plug-in's Extism memory. It may move when memory is allocated: read it again after every allocation.</summary>
    public long GetMemory() => (long)Interop.extism_current_plugin_memory(_native);

    /// <summary>
    /// Length of the block starting at <paramref name="offset"/>, as the plug-in's Extism kernel
    /// reports it; 0 when it is not the start of a live block. The plug-in can forge this number
    /// (the kernel keeps it inside the plug-in's memory): <see cref="ReadBytes"/> and
    /// <see cref="WriteBytes(long, Span{byte})"/> check it against the memory the plug-in
    /// really has before touching anything.
    /// </summary>
    public long BlockLength(long offset) => offset == 0 ? 0 : (long)Interop.extism_current_plugin_memory_length(_native, (ulong)offset);

    /// <summary>
    /// The bytes of the block at <paramref name="offset"/>, in place. Valid until the next
    /// allocation in this plug-in's memory or the end of this host call, whichever comes first.
    /// Offset 0 (the "no data" handle) gives an empty span.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="offset"/> is not the start of a live
    /// block, or the block's length (which the plug-in can forge) reaches outside its memory or is
    /// more than a span can hold.</exception>
    public Span<byte> ReadBytes(long offset)
    {
        if (offset == 0) return Span<byte>.Empty;
        long length = BlockLength(offset);
        if (length == 0) throw new ArgumentException($"Offset {offset} is not the start of a live Extism memory block.", nameof(offset));
        return Region(offset, (ulong)length);
    }

    /// <summary>
    /// The span over [offset, offset + length) of the plug-in's memory, after checking that the
    /// whole range is inside it (GuestMemory): the lengths come from headers the plug-in can write.
    /// </summary>
    private Span<byte> Region(long offset, ulong length)
    {
        byte* memory = Interop.extism_current_plugin_memory(_native);
        // The memory of the call in progress; a host call made outside Plugin.Call (a start
        // function during creation) has none and checks against the operating system each time.
        GuestMemory bounds = CallContext.Current?.Memory ?? new GuestMemory();
        if (length > int.MaxValue || !bounds.Contains(memory, _native, (ulong)offset, length)) ThrowOutside(offset, length);
        return new Span<byte>(memory + offset, (int)length);
    }

    [DoesNotReturn]
    private static void ThrowOutside(long offset, ulong length) => throw new ArgumentException(length > int.MaxValue
        ? $"The block at {offset} claims {length} bytes, more than a span can hold; the plug-in's memory headers are corrupt or forged."
        : $"The block at {offset} claims {length} bytes, which reach outside the plug-in's memory; the plug-in's memory headers are corrupt or forged.", "offset");

    /// <summary>A block the kernel's allocator just returned, checked like any other range (the allocator's state lives in the plug-in's memory too).</summary>
    internal Span<byte> NewBlock(long length, out long offset)
    {
        offset = AllocateBlock(length);
        byte* memory = Interop.extism_current_plugin_memory(_native);
        GuestMemory bounds = CallContext.Current?.Memory ?? new GuestMemory();
        if (!bounds.Contains(memory, _native, (ulong)offset, (ulong)length))
        {
            throw new InvalidOperationException($"The plug-in's Extism allocator returned a block of {length} bytes at {offset} that reaches outside its memory; the plug-in corrupted its memory headers.");
        }
        return new Span<byte>(memory + offset, (int)length);
    }

    /// <summary>The block at <paramref name="offset"/> decoded as UTF-8 (invalid bytes become U+FFFD). Offset 0 gives "".</summary>
    public string ReadString(long offset) => ReadString(offset, Encoding.UTF8);

    /// <summary>The block at <paramref name="offset"/> decoded with <paramref name="encoding"/>. Offset 0 gives "".</summary>
    public string ReadString(long offset, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        return encoding.GetString(ReadBytes(offset));
    }

    /// <summary>Allocates a block holding <paramref name="value"/> as UTF-8 and returns its offset (0 for an empty string). The plug-in owns the block.</summary>
    /// <exception cref="InvalidOperationException">The plug-in's allocator (whose state is in its memory) returned a block reaching outside its memory.</exception>
    public long WriteString(string value) => WriteString(value, Encoding.UTF8);

    /// <summary>Allocates a block holding <paramref name="value"/> in <paramref name="encoding"/> and returns its offset (0 when empty).</summary>
    public long WriteString(string value, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(encoding);
        int count = encoding.GetByteCount(value);
        if (count == 0) return 0;
        encoding.GetBytes(value, NewBlock(count, out long offset));
        return offset;
    }

    /// <summary>Allocates a block, copies <paramref name="bytes"/> into it and returns its offset (0 when empty). The plug-in owns the block.</summary>
    public long WriteBytes(Span<byte> bytes) => WriteBytes((ReadOnlySpan<byte>)bytes);

    /// <summary>Allocates a block, copies <paramref name="bytes"/> into it and returns its offset (0 when empty).</summary>
    public long WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return 0;
        // The base is read after allocating: allocation can grow (and move) the memory.
        bytes.CopyTo(NewBlock(bytes.Length, out long offset));
        return offset;
    }

    /// <summary>Copies <paramref name="bytes"/> to the start of the existing block at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException">The offset is not a live block, the block is shorter than
    /// <paramref name="bytes"/>, or the part written would reach outside the plug-in's memory (its
    /// block headers are forged).</exception>
    public void WriteBytes(long offset, Span<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        long length = BlockLength(offset);
        if (length < bytes.Length)
        {
            throw new ArgumentException(length == 0
                ? $"Offset {offset} is not the start of a live Extism memory block."
                : $"The block at {offset} holds {length} bytes; {bytes.Length} do not fit.", nameof(offset));
        }
        bytes.CopyTo(Region(offset, (ulong)bytes.Length));
    }

    /// <summary>Allocates a block of <paramref name="length"/> bytes and returns its offset; 0 for a zero length.</summary>
    /// <exception cref="ExtismException">The plug-in's memory could not grow (limit reached or out of fuel).</exception>
    public long AllocateBlock(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return 0;
        ulong offset = Interop.extism_current_plugin_memory_alloc(_native, (ulong)length);
        if (offset == 0) throw new ExtismOutOfMemoryException($"Could not allocate {length} bytes of Extism memory (memory limit reached or fuel exhausted).", null);
        return (long)offset;
    }

    /// <summary>Frees the block at <paramref name="offset"/>. Unknown offsets and 0 are ignored.</summary>
    public void FreeBlock(long offset) => Interop.extism_current_plugin_memory_free(_native, (ulong)offset);
}

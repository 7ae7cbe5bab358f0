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

    /// <summary>Length of the block starting at <paramref name="offset"/>; 0 when it is not the start of a live block.</summary>
    public long BlockLength(long offset) => offset == 0 ? 0 : (long)Interop.extism_current_plugin_memory_length(_native, (ulong)offset);

    /// <summary>
    /// The bytes of the block at <paramref name="offset"/>, in place. Valid until the next
    /// allocation in this plug-in's memory or the end of this host call, whichever comes first.
    /// Offset 0 (the "no data" handle) gives an empty span.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="offset"/> is not the start of a live block.</exception>
    public Span<byte> ReadBytes(long offset)
    {
        if (offset == 0) return Span<byte>.Empty;
        long length = BlockLength(offset);
        if (length == 0) throw new ArgumentException($"Offset {offset} is not the start of a live Extism memory block.", nameof(offset));
        return new Span<byte>((byte*)GetMemory() + offset, checked((int)length));
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
    public long WriteString(string value) => WriteString(value, Encoding.UTF8);

    /// <summary>Allocates a block holding <paramref name="value"/> in <paramref name="encoding"/> and returns its offset (0 when empty).</summary>
    public long WriteString(string value, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(encoding);
        int count = encoding.GetByteCount(value);
        if (count == 0) return 0;
        long offset = AllocateBlock(count);
        encoding.GetBytes(value, new Span<byte>((byte*)GetMemory() + offset, count));
        return offset;
    }

    /// <summary>Allocates a block, copies <paramref name="bytes"/> into it and returns its offset (0 when empty). The plug-in owns the block.</summary>
    public long WriteBytes(Span<byte> bytes) => WriteBytes((ReadOnlySpan<byte>)bytes);

    /// <summary>Allocates a block, copies <paramref name="bytes"/> into it and returns its offset (0 when empty).</summary>
    public long WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return 0;
        long offset = AllocateBlock(bytes.Length);
        // The base is read after allocating: allocation can grow (and move) the memory.
        bytes.CopyTo(new Span<byte>((byte*)GetMemory() + offset, bytes.Length));
        return offset;
    }

    /// <summary>Copies <paramref name="bytes"/> to the start of the existing block at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException">The offset is not a live block, or the block is shorter than <paramref name="bytes"/>.</exception>
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
        bytes.CopyTo(new Span<byte>((byte*)GetMemory() + offset, bytes.Length));
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

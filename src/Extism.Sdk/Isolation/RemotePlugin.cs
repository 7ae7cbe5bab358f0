using System.Text;
using Extism.Sdk.Isolation;

namespace Extism.Sdk;

/// <summary>
/// The plug-in that called an <see cref="IsolatedHostFunction"/>, in its worker process. Like
/// <see cref="CurrentPlugin"/>, but every operation copies across the process boundary (one round
/// trip each, except <see cref="ReadBytes"/> of a block the worker sent with the call: blocks up to
/// 64 KiB that I64 inputs point at). Valid only during the callback it was passed to; using it
/// afterwards throws <see cref="InvalidOperationException"/>. Offsets are Extism memory handles.
/// </summary>
public readonly struct RemotePlugin
{
    private readonly WorkerCallSession? _session;
    private readonly int _hostCall;

    internal RemotePlugin(WorkerCallSession session, int hostCall)
    {
        _session = session;
        _hostCall = hostCall;
    }

    private WorkerCallSession Session => _session is { } session && session.IsCurrentHostCall(_hostCall)
        ? session
        : throw new InvalidOperationException("A RemotePlugin is valid only during the host-function callback it was passed to.");

    /// <summary>The user data given when the host function was defined, if it is a <typeparamref name="T"/>; otherwise default.</summary>
    public T? GetUserData<T>() => Session.CurrentFunction?.UserData is T value ? value : default;

    /// <summary>The host context passed to the pool call in progress (it never leaves the host process), if it is a <typeparamref name="T"/>; otherwise default.</summary>
    public T? GetCallHostContext<T>() => Session.HostContext is T value ? value : default;

    /// <summary>A copy of the block at <paramref name="offset"/>; empty for offset 0. The array is the caller's.</summary>
    /// <exception cref="ArgumentException">The offset is not the start of a live block, or the block's (forgeable) header reaches outside the plug-in's memory.</exception>
    public byte[] ReadBytes(long offset) => offset == 0 ? [] : Session.ReadBytes(offset);

    /// <summary>The block at <paramref name="offset"/> decoded as UTF-8 (invalid bytes become U+FFFD). Offset 0 gives "".</summary>
    /// <exception cref="ArgumentException">As for <see cref="ReadBytes"/>.</exception>
    public string ReadString(long offset) => Encoding.UTF8.GetString(ReadBytes(offset));

    /// <summary>Length of the block at <paramref name="offset"/> as the plug-in's kernel reports it (forgeable); 0 when it is not a live block.</summary>
    public long BlockLength(long offset) => offset == 0 ? 0 : Session.BlockLength(offset);

    /// <summary>Allocates a block in the plug-in holding a copy of <paramref name="bytes"/> and returns its offset (0 when empty). The plug-in owns the block.</summary>
    /// <exception cref="ExtismException">The plug-in's memory could not grow.</exception>
    public long WriteBytes(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? 0 : Session.WriteBytes(bytes);

    /// <summary>Allocates a block holding <paramref name="value"/> as UTF-8 and returns its offset (0 for an empty string).</summary>
    /// <exception cref="ExtismException">The plug-in's memory could not grow.</exception>
    public long WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return WriteBytes(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Allocates an uninitialised block of <paramref name="length"/> bytes and returns its offset; 0 for a zero length.</summary>
    /// <exception cref="ExtismException">The plug-in's memory could not grow.</exception>
    public long AllocateBlock(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length == 0 ? 0 : Session.AllocateBlock(length);
    }

    /// <summary>Frees the block at <paramref name="offset"/>. Unknown offsets and 0 are ignored.</summary>
    public void FreeBlock(long offset)
    {
        if (offset != 0) Session.FreeBlock(offset);
    }
}

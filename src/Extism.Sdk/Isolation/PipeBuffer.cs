using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Extism.Sdk.Isolation;

/// <summary>
/// Linux only: asks for larger pipe buffers between the host and a worker. With the default
/// 64 KiB, a 1 MiB input or output crosses in 16 or more pieces, each a write that blocks until
/// the other side has read, so both sides sleep and wake once per piece. With 1 MiB, the writer
/// hands the whole frame to the kernel in one go. Pipe memory is only used while data sits in it.
/// </summary>
internal static partial class PipeBuffer
{
    /// <summary>The size asked for: the kernel's default ceiling for unprivileged users (/proc/sys/fs/pipe-max-size).</summary>
    internal const int Size = 1 << 20;

    private const int FSetPipeSize = 1031; // F_SETPIPE_SZ

    /// <summary>
    /// Best effort: the kernel may refuse (a lower pipe-max-size, the user's pipe page limits),
    /// and then the pipe keeps its size, which only costs speed.
    /// </summary>
    internal static void TryGrow(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || stream is not PipeStream pipe) return;
        int fd = (int)pipe.SafePipeHandle.DangerousGetHandle();
        _ = SetPipeSize(fd, FSetPipeSize, Size);
    }

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int SetPipeSize(int fd, int command, int size);
}

using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Extism.Sdk.Isolation;

/// <summary>
/// Linux only: asks for a larger pipe buffer before the first large frame. With the default
/// 64 KiB, a 1 MiB input or output crosses in 16 or more pieces, each a write that blocks until
/// the other side has read, so both sides sleep and wake once per piece. With 1 MiB, the writer
/// hands the whole frame to the kernel in one go. Only pipes that carry a large frame grow: the
/// kernel counts a pipe's size against the user's pipe page budget
/// (/proc/sys/fs/pipe-user-pages-soft, 64 MiB by default) whether or not data sits in it, and a
/// user over that budget gets small buffers in every new pipe, so a pool of workers that only
/// ever see small payloads must not spend it.
/// </summary>
internal static partial class PipeBuffer
{
    /// <summary>The size asked for: the kernel's default ceiling for unprivileged users (/proc/sys/fs/pipe-max-size).</summary>
    internal const int Size = 1 << 20;

    private const int FSetPipeSize = 1031; // F_SETPIPE_SZ

    /// <summary>
    /// Best effort: the kernel may refuse (a lower pipe-max-size, the user's pipe page limits),
    /// and then the pipe keeps its size, which only costs speed. Streams that are not pipes
    /// (or not on Linux) are left alone.
    /// </summary>
    internal static void TryGrow(Stream stream)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = stream switch
        {
            PipeStream pipe => (int)pipe.SafePipeHandle.DangerousGetHandle(),
            FileStream file => (int)file.SafeFileHandle.DangerousGetHandle(), // the worker's protocol output (a dup of fd 1)
            _ => -1,
        };
        if (fd >= 0) _ = SetPipeSize(fd, FSetPipeSize, Size);
    }

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int SetPipeSize(int fd, int command, int size);
}

using System.IO.Pipes;
using System.Runtime.InteropServices;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>A frame channel grows its pipe for large frames only (PipeBuffer), and the frames arrive whole.</summary>
public sealed class PipeBufferTests
{
    private const int FGetPipeSize = 1032; // F_GETPIPE_SZ

    [Fact]
    public void OnlyALargeFrameGrowsThePipe()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "F_SETPIPE_SZ is Linux-only; elsewhere pipes keep their size.");
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var writer = new FrameChannel(Stream.Null, server);
        var reader = new FrameChannel(client, Stream.Null);
        int fd = (int)server.SafePipeHandle.DangerousGetHandle();
        int before = PipeSize(fd);

        // Joined into one write, which fits the default pipe (this thread reads it afterwards): no growth.
        writer.Write(FrameType.Call, 1, new byte[32 * 1024]);
        Assert.True(reader.TryRead(out _, out uint id, out ReadOnlySpan<byte> payload));
        Assert.Equal((1u, 32 * 1024), (id, payload.Length));
        Assert.Equal(before, PipeSize(fd));

        byte[] large = new byte[3 << 20];
        new Random(5).NextBytes(large);
        var sent = Task.Run(() => writer.Write(FrameType.Call, 2, large)); // more than any pipe holds: the reader drains it
        Assert.True(reader.TryRead(out _, out id, out payload));
        Assert.Equal(2u, id);
        Assert.True(payload.SequenceEqual(large));
        sent.GetAwaiter().GetResult();
        Assert.Equal(PipeBuffer.Size, PipeSize(fd));
    }

    private static int PipeSize(int fd)
    {
        int size = GetPipeSize(fd, FGetPipeSize);
        Assert.True(size > 0, $"F_GETPIPE_SZ failed: {Marshal.GetLastPInvokeError()}");
        return size;
    }

    // DllImport: the test project does not allow unsafe code, which LibraryImport's generated code needs.
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int GetPipeSize(int fd, int command);
}

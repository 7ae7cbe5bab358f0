namespace Extism.Installer;

/// <summary>
/// Read-only wrapper over a network stream that fails a read making no progress for the
/// timeout, and turns transport errors into one-line installer errors. An idle limit (rather
/// than a limit on the whole transfer) lets a slow but moving download of a 30 MB library finish
/// while a server that stops sending is caught in seconds.
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan timeout, string location, IDisposable? owner = null) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(timeout);
        try
        {
            var read = await inner.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            _position += read;
            return read;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InstallerException(
                ExitCode.Network,
                $"{location} stopped sending data for {timeout.TotalSeconds:0.#} s after {_position} bytes",
                "retry later, raise --timeout, or use a mirror with --source",
                ex);
        }
        catch (IOException ex)
        {
            throw new InstallerException(
                ExitCode.Network,
                $"the download of {location} broke off after {_position} bytes ({ex.Message})",
                "retry, or use a mirror with --source",
                ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner?.Dispose();
        }

        base.Dispose(disposing);
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Extism.Installer.Tests.Support;

/// <summary>How the server answers one request.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">Body bytes.</param>
/// <param name="DeclaredLength">Content-Length to announce (defaults to the body length).</param>
/// <param name="SendBytes">How much of the body to send before stopping (defaults to all).</param>
/// <param name="Stall">After sending, keep the connection open and silent instead of closing it.</param>
/// <param name="StallBeforeHeaders">Send nothing at all and keep the connection open.</param>
internal sealed record Reply(
    int Status,
    byte[] Body,
    long? DeclaredLength = null,
    int? SendBytes = null,
    bool Stall = false,
    bool StallBeforeHeaders = false)
{
    public static Reply NotFound() => new(404, Encoding.UTF8.GetBytes("not found"));
}

/// <summary>
/// A hand-written HTTP/1.1 responder on 127.0.0.1 (port 0), so tests can produce the failures a
/// real server library would smooth over: wrong Content-Length, bodies cut short, silence.
/// By default it serves files below <see cref="Root"/>; <see cref="Overrides"/> replaces paths.
/// </summary>
internal sealed class MiniHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public MiniHttpServer(string root)
    {
        Root = root;
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/mirror/");
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The mirror root URL (a sub-path, to check relative URLs resolve against it).</summary>
    public Uri BaseUri { get; }

    public string Root { get; }

    /// <summary>
    /// Replies by request target: the full one with its query (e.g. "/api?page=2") is tried
    /// first, then the path alone (e.g. "/mirror/releases.json"), then the files.
    /// </summary>
    public ConcurrentDictionary<string, Reply> Overrides { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request target served, with its query.</summary>
    public ConcurrentQueue<string> RequestedPaths { get; } = new();

    public string PathOf(string mirrorRelative) => BaseUri.AbsolutePath + mirrorRelative;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var target = await ReadRequestTargetAsync(stream);
                if (target is null)
                {
                    return;
                }

                RequestedPaths.Enqueue(target);
                await WriteReplyAsync(stream, Route(target));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client gave up (the installer's timeout) or the test ended.
            }
        }
    }

    private Reply Route(string target)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        if (Overrides.TryGetValue(target, out var reply) || Overrides.TryGetValue(path, out reply))
        {
            return reply;
        }

        var prefix = BaseUri.AbsolutePath;
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Reply.NotFound();
        }

        var file = Path.GetFullPath(Path.Combine(Root, Uri.UnescapeDataString(path[prefix.Length..])));
        return file.StartsWith(Root, StringComparison.Ordinal) && File.Exists(file)
            ? new Reply(200, File.ReadAllBytes(file))
            : Reply.NotFound();
    }

    private async Task WriteReplyAsync(NetworkStream stream, Reply reply)
    {
        if (reply.StallBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }

        var reason = reply.Status switch { 200 => "OK", 404 => "Not Found", _ => "Status" };
        var head = $"HTTP/1.1 {reply.Status} {reason}\r\n"
            + $"Content-Length: {reply.DeclaredLength ?? reply.Body.Length}\r\n"
            + "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        await stream.WriteAsync(reply.Body.AsMemory(0, reply.SendBytes ?? reply.Body.Length), _stop.Token);
        await stream.FlushAsync(_stop.Token);
        if (reply.Stall)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
    }

    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return null;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        // "GET /path?query HTTP/1.1"
        return head.ToString().Split("\r\n")[0].Split(' ')[1];
    }
}

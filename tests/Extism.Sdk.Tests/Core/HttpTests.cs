using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>http_request against a server on 127.0.0.1 that the test runs itself.</summary>
public sealed class HttpTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _body = "hello over http";

    public HttpTests()
    {
        _listener.Start();
        _ = ServeAsync();
    }

    private string Url(string path = "/") => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        NetworkStream stream = client.GetStream();
                        var request = new StringBuilder();
                        var buffer = new byte[4096];
                        while (!request.ToString().Contains("\r\n\r\n"))
                        {
                            int n = await stream.ReadAsync(buffer);
                            if (n == 0) return;
                            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        }
                        string body = request.ToString().StartsWith("GET /big", StringComparison.Ordinal) ? new string('x', 19_000) : _body;
                        string response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Test: yes\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
                    }
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private static Plugin Http(params string[] allowedHosts) => Http(null, allowedHosts);

    private static Plugin Http(MemoryOptions? memory, params string[] allowedHosts)
    {
        Manifest manifest = TestPlugins.Manifest("http");
        foreach (string host in allowedHosts) manifest.AllowedHosts.Add(host);
        manifest.MemoryOptions = memory;
        return new Plugin(manifest, [], withWasi: false);
    }

    [Fact]
    public void AllowedHostIsReached()
    {
        using var plugin = Http("127.0.0.1");
        Assert.Equal(_body, plugin.Call("http_get", Url()));
        Assert.Equal("200", plugin.Call("http_status", ""));
    }

    [Fact]
    public void OtherHostsAreDenied()
    {
        using var denied = Http("example.com");
        Assert.Throws<ExtismException>(() => denied.Call("http_get", Url()));
        using var none = Http();
        Assert.Throws<ExtismException>(() => none.Call("http_get", Url()));
    }

    [Fact]
    public void ResponseHeadersOnlyWhenAllowed()
    {
        using var plugin = Http("127.0.0.1");
        Assert.Equal("none", plugin.Call("http_get_with_headers", Url()));
        using var withHeaders = Http("*");
        withHeaders.AllowHttpResponseHeaders();
        Assert.Contains("\"x-test\":\"yes\"", withHeaders.Call("http_get_with_headers", Url()));
    }

    [Fact]
    public void ResponseHeadersStayAllowedAfterAFailureReplacesTheInstance()
    {
        // A response over the limit fails the call inside http_request, mid-guest: self-healing
        // then replaces the instance, and the permission given to the old one must carry over.
        using var plugin = Http(new MemoryOptions { MaxHttpResponseBytes = 100 }, "127.0.0.1");
        plugin.AllowHttpResponseHeaders();
        Assert.Throws<ExtismException>(() => plugin.Call("http_get", Url("/big")));
        Assert.Contains("\"x-test\":\"yes\"", plugin.Call("http_get_with_headers", Url()));
        Assert.Equal(1, plugin.RecycleCount);
        // And without the permission, a replacement gets none.
        using var plain = Http(new MemoryOptions { MaxHttpResponseBytes = 100 }, "127.0.0.1");
        Assert.Throws<ExtismException>(() => plain.Call("http_get", Url("/big")));
        Assert.Equal("none", plain.Call("http_get_with_headers", Url()));
        Assert.Equal(1, plain.RecycleCount);
    }

    [Fact]
    public void ResponsesOverTheLimitFail()
    {
        using var plugin = Http(new MemoryOptions { MaxHttpResponseBytes = 10 }, "127.0.0.1");
        Assert.Throws<ExtismException>(() => plugin.Call("http_get", Url("/big")));
        using var unlimited = Http(new MemoryOptions { MaxPages = 1000 }, "127.0.0.1");
        Assert.Equal(19_000, unlimited.Call("http_get", Url("/big")).Length);
    }
}

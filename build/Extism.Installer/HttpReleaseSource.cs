using System.Net;
using System.Net.Http.Headers;

namespace Extism.Installer;

/// <summary>
/// Releases over HTTP: GitHub's API and download URLs, or a mirror serving <c>releases.json</c>
/// whose asset URLs are relative to the mirror root.
/// </summary>
internal sealed class HttpReleaseSource : IReleaseSource
{
    private const int PageSize = 100;

    // Upstream has a few hundred releases; the cap only guards against a server that pages forever.
    private const int MaxPages = 50;
    private const int MaxTextBytes = 64 << 20;

    private readonly HttpClient _client;
    private readonly Uri? _mirrorRoot;
    private readonly GitHubEndpoints _gitHub;
    private readonly TimeSpan _timeout;
    private readonly string? _gitHubToken;

    private HttpReleaseSource(Uri? mirrorRoot, GitHubEndpoints gitHub, TimeSpan timeout, string? gitHubToken)
    {
        _mirrorRoot = mirrorRoot;
        _gitHub = gitHub;
        _timeout = timeout;
        _gitHubToken = string.IsNullOrWhiteSpace(gitHubToken) ? null : gitHubToken.Trim();
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };

        // Timeouts are applied per request and per read (see IdleTimeoutStream) instead.
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("extism-dotnet-install-libextism", "1.0"));
    }

    public string Name => _mirrorRoot?.ToString() ?? "GitHub (extism/extism)";

    public static HttpReleaseSource GitHub(TimeSpan timeout, string? gitHubToken, GitHubEndpoints? endpoints = null) =>
        new(null, endpoints ?? GitHubEndpoints.Upstream, timeout, gitHubToken);

    public static HttpReleaseSource Mirror(Uri root, TimeSpan timeout)
    {
        // Without the trailing slash, relative URLs would resolve against the root's parent.
        var text = root.ToString();
        return new HttpReleaseSource(new Uri(text.EndsWith('/') ? text : text + "/"), GitHubEndpoints.Upstream, timeout, null);
    }

    public async Task<IReadOnlyList<Release>> ListReleasesAsync(CancellationToken cancellationToken)
    {
        if (_mirrorRoot is not null)
        {
            var uri = new Uri(_mirrorRoot, "releases.json");
            var json = await GetTextAsync(uri, cancellationToken).ConfigureAwait(false);
            return ReleaseList.Parse(json, uri.ToString(), out _);
        }

        var releases = new List<Release>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var uri = new Uri($"{_gitHub.ReleasesApi}?per_page={PageSize}&page={page}");
            var json = await GetTextAsync(uri, cancellationToken).ConfigureAwait(false);
            releases.AddRange(ReleaseList.Parse(json, uri.ToString(), out var entries));
            if (entries < PageSize)
            {
                break;
            }
        }

        return releases;
    }

    public async Task<AssetStream> OpenAsync(Release release, ReleaseAsset asset, CancellationToken cancellationToken)
    {
        var uri = AssetUri(release, asset);
        var response = await SendAsync(uri, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var stream = new IdleTimeoutStream(body, _timeout, uri.ToString(), response);
            return new AssetStream(stream, response.Content.Headers.ContentLength, uri.ToString());
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<byte[]?> TryGetLicenseAsync(Release release, CancellationToken cancellationToken)
    {
        var uri = _mirrorRoot is null ? new Uri(_gitHub.RawFiles, $"{release.Tag}/LICENSE") : new Uri(_mirrorRoot, "LICENSE");
        try
        {
            return await GetBytesAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (InstallerException)
        {
            // The package carries a license expression anyway; the file is a courtesy copy.
            return null;
        }
    }

    public void Dispose() => _client.Dispose();

    private Uri AssetUri(Release release, ReleaseAsset asset)
    {
        if (_mirrorRoot is null)
        {
            return new Uri(_gitHub.Downloads, $"{Uri.EscapeDataString(release.Tag)}/{Uri.EscapeDataString(asset.Name)}");
        }

        var relative = string.IsNullOrEmpty(asset.DownloadUrl)
            ? $"download/{Uri.EscapeDataString(release.Tag)}/{Uri.EscapeDataString(asset.Name)}"
            : asset.DownloadUrl;
        return new Uri(_mirrorRoot, relative);
    }

    private async Task<string> GetTextAsync(Uri uri, CancellationToken cancellationToken) =>
        System.Text.Encoding.UTF8.GetString(await GetBytesAsync(uri, cancellationToken).ConfigureAwait(false));

    private async Task<byte[]> GetBytesAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(uri, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var stream = new IdleTimeoutStream(body, _timeout, uri.ToString());
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxTextBytes)
            {
                throw new InstallerException(
                    ExitCode.BadReleaseList, $"{uri} is larger than {MaxTextBytes >> 20} MB", "check --source");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var isApi = _mirrorRoot is null && uri.AbsoluteUri.StartsWith(_gitHub.ReleasesApi.AbsoluteUri, StringComparison.Ordinal);
        if (isApi)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
            if (_gitHubToken is not null)
            {
                // Only the API gets the token: downloads redirect to other hosts.
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _gitHubToken);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InstallerException(
                ExitCode.Network,
                $"no response from {uri} within {_timeout.TotalSeconds:0.#} s",
                "check the network, raise --timeout, or use a mirror with --source",
                ex);
        }
        catch (HttpRequestException ex)
        {
            throw new InstallerException(
                ExitCode.Network,
                $"cannot reach {uri} ({ex.Message})",
                "check the network or proxy settings, or use a mirror with --source",
                ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        var status = response.StatusCode;
        var reason = response.ReasonPhrase;
        response.Dispose();
        if (status == HttpStatusCode.NotFound)
        {
            throw new InstallerException(
                ExitCode.NotFound,
                $"{uri} returned HTTP 404 Not Found",
                "the release or mirror lacks this file; pick another --version or fix the mirror");
        }

        if (isApi && status is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests)
        {
            throw new InstallerException(
                ExitCode.Network,
                $"GitHub refused {uri} (HTTP {(int)status}), most likely its rate limit",
                "wait an hour, set GITHUB_TOKEN, or use a mirror with --source");
        }

        throw new InstallerException(
            ExitCode.Network,
            $"{uri} returned HTTP {(int)status} {reason}",
            "retry later, or use a mirror with --source");
    }
}

/// <summary>Where GitHub keeps Extism's releases; replaceable so tests can page through a fake API.</summary>
/// <param name="ReleasesApi">The list-releases API endpoint.</param>
/// <param name="Downloads">Base of <c>&lt;tag&gt;/&lt;asset&gt;</c> download URLs.</param>
/// <param name="RawFiles">Base of <c>&lt;tag&gt;/&lt;path&gt;</c> repository file URLs.</param>
internal sealed record GitHubEndpoints(Uri ReleasesApi, Uri Downloads, Uri RawFiles)
{
    public static GitHubEndpoints Upstream { get; } = new(
        new Uri("https://api.github.com/repos/extism/extism/releases"),
        new Uri("https://github.com/extism/extism/releases/download/"),
        new Uri("https://raw.githubusercontent.com/extism/extism/"));
}

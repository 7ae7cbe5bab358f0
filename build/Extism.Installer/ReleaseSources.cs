namespace Extism.Installer;

/// <summary>An opened asset: its bytes, their length when known, and where they come from.</summary>
internal sealed class AssetStream(Stream content, long? length, string location) : IDisposable
{
    public Stream Content { get; } = content;

    public long? Length { get; } = length;

    public string Location { get; } = location;

    public void Dispose() => Content.Dispose();
}

/// <summary>
/// Where releases come from: GitHub, an HTTP mirror or a directory mirror. Implementations
/// report every failure as an <see cref="InstallerException"/> naming the file and the cause.
/// </summary>
internal interface IReleaseSource : IDisposable
{
    /// <summary>Shown in messages and recorded in the install stamp.</summary>
    string Name { get; }

    Task<IReadOnlyList<Release>> ListReleasesAsync(CancellationToken cancellationToken);

    Task<AssetStream> OpenAsync(Release release, ReleaseAsset asset, CancellationToken cancellationToken);

    /// <summary>
    /// libextism's LICENSE for a release whose tarball lacks one (older upstream tarballs hold
    /// only the library and header), or null when the source cannot provide it.
    /// </summary>
    Task<byte[]?> TryGetLicenseAsync(Release release, CancellationToken cancellationToken);
}

/// <summary>Chooses the source for a <c>--source</c> value.</summary>
internal static class ReleaseSources
{
    /// <summary>The environment variable consulted when <c>--source</c> is not given.</summary>
    public const string EnvironmentVariable = "EXTISM_RUNTIME_SOURCE";

    /// <summary>
    /// GitHub when <paramref name="source"/> is empty or <c>github</c>, an HTTP mirror for an
    /// http(s) URL, otherwise a directory (relative paths against <paramref name="workingDirectory"/>).
    /// </summary>
    public static IReleaseSource Create(string? source, string workingDirectory, TimeSpan timeout, string? gitHubToken)
    {
        if (string.IsNullOrWhiteSpace(source) || source.Trim().Equals("github", StringComparison.OrdinalIgnoreCase))
        {
            return HttpReleaseSource.GitHub(timeout, gitHubToken);
        }

        source = source.Trim();
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri))
        {
            if (uri.Scheme is "http" or "https")
            {
                return HttpReleaseSource.Mirror(uri, timeout);
            }

            if (uri.IsFile)
            {
                return new DirectorySource(uri.LocalPath);
            }
        }

        return new DirectorySource(Path.GetFullPath(source, workingDirectory));
    }
}

/// <summary>A mirror on disk: <c>releases.json</c> plus the files its URLs point to, relative to it.</summary>
internal sealed class DirectorySource : IReleaseSource
{
    private readonly string _root;

    public DirectorySource(string root)
    {
        _root = Path.GetFullPath(root);
        if (!Directory.Exists(_root))
        {
            throw new InstallerException(
                ExitCode.NotFound,
                $"the source directory {_root} does not exist",
                "pass --source (or set EXTISM_RUNTIME_SOURCE) to a mirror directory holding releases.json");
        }
    }

    public string Name => _root;

    public Task<IReadOnlyList<Release>> ListReleasesAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "releases.json");
        var json = ReadText(path);
        IReadOnlyList<Release> releases = ReleaseList.Parse(json, path, out _);
        return Task.FromResult(releases);
    }

    public Task<AssetStream> OpenAsync(Release release, ReleaseAsset asset, CancellationToken cancellationToken)
    {
        // A mirror listing absolute URLs has been copied from elsewhere; its files are expected
        // in the standard layout beside releases.json.
        var relative = asset.DownloadUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _)
            ? url
            : $"download/{release.Tag}/{asset.Name}";
        var path = Path.GetFullPath(Path.Combine(_root, relative));
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            return Task.FromResult(new AssetStream(stream, stream.Length, path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Missing(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InstallerException(
                ExitCode.NotFound, $"cannot read {path}: {ex.Message}", "check the mirror's file permissions", ex);
        }
    }

    public Task<byte[]?> TryGetLicenseAsync(Release release, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "LICENSE");
        return Task.FromResult(File.Exists(path) ? File.ReadAllBytes(path) : null);
    }

    public void Dispose()
    {
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Missing(path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InstallerException(
                ExitCode.NotFound, $"cannot read {path}: {ex.Message}", "check the mirror's file permissions", ex);
        }
    }

    private static InstallerException Missing(string path, Exception inner) =>
        new(ExitCode.NotFound,
            $"{path} does not exist",
            "the mirror is incomplete; copy the file into it or use another --source",
            inner);
}

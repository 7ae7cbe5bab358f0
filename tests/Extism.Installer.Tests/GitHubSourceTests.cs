using System.Text;
using System.Text.Json.Nodes;
using Extism.Installer.Tests.Support;

namespace Extism.Installer.Tests;

/// <summary>The GitHub mode of the HTTP source, against a fake API on the test server.</summary>
public sealed class GitHubSourceTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly FakeMirror _files = new();
    private MiniHttpServer _server = null!;

    public ValueTask InitializeAsync()
    {
        _server = new MiniHttpServer(_files.Root);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _files.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Pages_through_the_release_list_and_downloads_by_tag()
    {
        // GitHub lists 100 per page; upstream also tags SDK releases, which must be skipped.
        var firstPage = new JsonArray();
        for (var i = 0; i < 99; i++)
        {
            firstPage.Add(new JsonObject { ["tag_name"] = $"python-sdk-v1.{i}", ["draft"] = false, ["prerelease"] = false });
        }

        firstPage.Add(Release("v1.40.0"));
        var secondPage = new JsonArray { Release("v1.41.0"), Release("v1.9.1") };
        _server.Overrides["/api/releases?per_page=100&page=1"] = new Reply(200, Encoding.UTF8.GetBytes(firstPage.ToJsonString()));
        _server.Overrides["/api/releases?per_page=100&page=2"] = new Reply(200, Encoding.UTF8.GetBytes(secondPage.ToJsonString()));
        _files.AddRelease("1.41.0");
        var root = new Uri(_server.BaseUri, "/");
        var endpoints = new GitHubEndpoints(new Uri(root, "api/releases"), new Uri(_server.BaseUri, "download/"), new Uri(root, "raw/"));

        using var source = HttpReleaseSource.GitHub(TimeSpan.FromSeconds(2), "token", endpoints);
        var releases = await source.ListReleasesAsync(CancellationToken.None);
        Assert.Equal(["1.40.0", "1.41.0", "1.9.1"], releases.Select(r => r.VersionText));
        Assert.DoesNotContain(_server.RequestedPaths, p => p.EndsWith("page=3", StringComparison.Ordinal));

        var output = new StringWriter();
        var installer = new LibextismInstaller(source, output, null, false, _temp.Path);
        var target = RuntimeTargets.Find("linux-x64")!;
        await installer.InstallAsync(
            new InstallRequest(VersionSpec.Parse(VersionSpec.DefaultText), false, [target], _temp.Combine("out")), CancellationToken.None);
        Assert.StartsWith("installed: libextism 1.41.0 for linux-x64", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(_server.PathOf("download/v1.41.0/libextism-x86_64-unknown-linux-gnu-v1.41.0.tar.gz"), _server.RequestedPaths);
    }

    private static JsonObject Release(string tag)
    {
        var version = tag[1..];
        var assets = new JsonArray();
        foreach (var name in new[] { $"libextism-x86_64-unknown-linux-gnu-v{version}.tar.gz", $"libextism-x86_64-unknown-linux-gnu-v{version}.checksum.txt" })
        {
            // Upstream lists absolute URLs; the GitHub source builds its own from the tag.
            assets.Add(new JsonObject { ["name"] = name, ["size"] = 1, ["browser_download_url"] = $"https://example.invalid/{name}" });
        }

        return new JsonObject { ["tag_name"] = tag, ["draft"] = false, ["prerelease"] = false, ["assets"] = assets };
    }
}

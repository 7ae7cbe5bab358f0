using NuGet.Versioning;

namespace Extism.Installer.Tests;

public sealed class VersionSelectionTests
{
    private static readonly IReadOnlyList<Release> Releases =
    [
        Make("1.9.1"),
        Make("1.12.0"),
        Make("1.40.0"),
        Make("1.41.0"),
        Make("1.42.0-rc.1"),
        Make("2.0.0-beta.1"),
    ];

    [Theory]
    [InlineData("1.40.0", "1.40.0")]
    [InlineData("v1.40.0", "1.40.0")]
    [InlineData("1.12", "1.12.0")]
    [InlineData("[1.12,1.41)", "1.40.0")]
    [InlineData("[1.12, 1.41]", "1.41.0")]
    [InlineData("(,1.12.0]", "1.12.0")]
    [InlineData("[1.9.1, 2.0)", "1.41.0")]
    [InlineData("1.*", "1.41.0")]
    [InlineData("1.12.*", "1.12.0")]
    [InlineData("*", "1.41.0")]
    [InlineData("latest", "1.41.0")]
    [InlineData("LATEST", "1.41.0")]
    public void Picks_the_newest_stable_release_the_spec_allows(string spec, string expected)
    {
        Assert.Equal(expected, Select(spec).VersionText);
    }

    [Theory]
    [InlineData("1.42.0-rc.1", "1.42.0-rc.1")]
    [InlineData("1.42.0-*", "1.42.0-rc.1")]
    [InlineData("[1.42.0-rc.1, 2.0)", "1.42.0-rc.1")]
    [InlineData("*-*", "2.0.0-beta.1")]
    public void A_spec_naming_a_prerelease_lets_prereleases_match(string spec, string expected)
    {
        Assert.Equal(expected, Select(spec).VersionText);
    }

    [Theory]
    [InlineData(VersionSpec.DefaultText, "1.42.0-rc.1")]
    [InlineData("1.*", "1.42.0-rc.1")]
    [InlineData("latest", "2.0.0-beta.1")]
    public void The_prerelease_flag_lets_prereleases_match(string spec, string expected)
    {
        Assert.Equal(expected, Select(spec, allowPrerelease: true).VersionText);
    }

    [Fact]
    public void The_default_spec_is_the_supported_range()
    {
        var spec = VersionSpec.Parse(VersionSpec.DefaultText);
        Assert.True(spec.Matches(NuGetVersion.Parse("1.9.1")));
        Assert.False(spec.Matches(NuGetVersion.Parse("1.9.0")));
        Assert.False(spec.Matches(NuGetVersion.Parse("2.0.0")));
    }

    [Fact]
    public void An_exact_version_is_not_read_as_a_minimum()
    {
        // NuGet alone would read "1.12.0" as ">= 1.12.0" and could pick 1.41.0.
        Assert.Equal("1.12.0", Select("1.12.0").VersionText);
    }

    [Fact]
    public void No_match_lists_the_nearest_releases_above_and_below()
    {
        var ex = Assert.Throws<InstallerException>(() => Select("1.13.0"));
        Assert.Equal(ExitCode.NoMatchingRelease, ex.Code);
        Assert.Contains("nearest available: 1.41.0, 1.40.0, 1.12.0", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void No_match_beyond_the_newest_lists_the_newest_releases()
    {
        var ex = Assert.Throws<InstallerException>(() => Select("3.*"));
        Assert.Contains("'3.*'", ex.What, StringComparison.Ordinal);
        Assert.Contains("nearest available: 1.41.0, 1.40.0, 1.12.0", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void No_match_below_the_oldest_lists_the_oldest_releases()
    {
        var ex = Assert.Throws<InstallerException>(() => Select("[0.5, 1.0)"));
        Assert.Contains("nearest available: 1.40.0, 1.12.0, 1.9.1", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_matched_only_by_a_prerelease_suggests_the_flag()
    {
        var ex = Assert.Throws<InstallerException>(() => Select("2.*"));
        Assert.Contains("--prerelease", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_release_list_says_so()
    {
        var ex = Assert.Throws<InstallerException>(() => VersionSelector.Select([], VersionSpec.Parse("latest"), false, "somewhere"));
        Assert.Equal(ExitCode.NoMatchingRelease, ex.Code);
        Assert.Contains("lists no libextism releases", ex.What, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("[1.0")]
    [InlineData("1.2.3.4.5")]
    public void A_malformed_spec_is_a_usage_error(string spec)
    {
        var ex = Assert.Throws<InstallerException>(() => VersionSpec.Parse(spec));
        Assert.Equal(ExitCode.Usage, ex.Code);
    }

    [Fact]
    public void The_release_list_skips_drafts_and_foreign_tags_and_honours_the_prerelease_flag()
    {
        const string json = """
            [
              {"tag_name": "v1.41.0", "draft": false, "prerelease": false, "assets": [{"name": "a", "size": 3, "browser_download_url": "x/a"}]},
              {"tag_name": "v1.50.0", "draft": true, "prerelease": false, "assets": []},
              {"tag_name": "v1.43.0", "draft": false, "prerelease": true, "assets": []},
              {"tag_name": "python-sdk-1.0", "draft": false, "prerelease": false, "assets": []}
            ]
            """;
        var releases = ReleaseList.Parse(json, "test", out var entries);
        Assert.Equal(4, entries);
        Assert.Equal(["1.41.0", "1.43.0"], releases.Select(r => r.VersionText));
        Assert.True(releases[1].IsPrerelease);
        Assert.Equal(new ReleaseAsset("a", 3, "x/a"), releases[0].Assets.Single());
        Assert.Equal("1.41.0", VersionSelector.Select(releases, VersionSpec.Parse("1.*"), false, "test").VersionText);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json")]
    public void A_malformed_release_list_is_reported(string json)
    {
        var ex = Assert.Throws<InstallerException>(() => ReleaseList.Parse(json, "test", out _));
        Assert.Equal(ExitCode.BadReleaseList, ex.Code);
    }

    private static Release Select(string spec, bool allowPrerelease = false) =>
        VersionSelector.Select(Releases, VersionSpec.Parse(spec), allowPrerelease, "test");

    private static Release Make(string version)
    {
        var parsed = NuGetVersion.Parse(version);
        return new Release($"v{version}", version, parsed, parsed.IsPrerelease, []);
    }
}

using System.Text.Json;
using NuGet.Versioning;

namespace Extism.Installer;

/// <summary>A file attached to a release.</summary>
/// <param name="Name">Asset file name, e.g. <c>libextism-x86_64-unknown-linux-gnu-v1.41.0.tar.gz</c>.</param>
/// <param name="Size">Size in bytes as listed (0 when unknown); only used for progress.</param>
/// <param name="DownloadUrl">Where to fetch it: absolute, or relative to a mirror's root.</param>
internal sealed record ReleaseAsset(string Name, long Size, string? DownloadUrl);

/// <summary>One libextism release as listed by a source.</summary>
/// <param name="Tag">The git tag, e.g. <c>v1.41.0</c>.</param>
/// <param name="VersionText">The tag without its <c>v</c>, spelled as in the asset names.</param>
/// <param name="Version">The parsed version, for comparisons.</param>
/// <param name="IsPrerelease">Marked pre-release by the source or carrying a pre-release label.</param>
/// <param name="Assets">The files attached to the release.</param>
internal sealed record Release(
    string Tag, string VersionText, NuGetVersion Version, bool IsPrerelease, IReadOnlyList<ReleaseAsset> Assets)
{
    public ReleaseAsset? FindAsset(string name) =>
        Assets.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
}

/// <summary>
/// Reads the GitHub "list releases" JSON shape, which mirrors reproduce in their releases.json.
/// Only the fields the installer needs are read, so extra fields in either shape are harmless.
/// </summary>
internal static class ReleaseList
{
    /// <summary>Parses one JSON array of releases; drafts and non-version tags are left out.</summary>
    /// <param name="json">The document text.</param>
    /// <param name="location">Where it came from, for the error message.</param>
    /// <param name="entryCount">How many entries the array held before filtering (for paging).</param>
    public static List<Release> Parse(string json, string location, out int entryCount)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw BadList(location, $"it is not valid JSON ({ex.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw BadList(location, "it is not a JSON array of releases");
            }

            entryCount = document.RootElement.GetArrayLength();
            var releases = new List<Release>();
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && ReadRelease(entry) is { } release)
                {
                    releases.Add(release);
                }
            }

            return releases;
        }
    }

    /// <summary>Turns <c>v1.2.3</c> (or <c>1.2.3</c>) into the version text used in asset names.</summary>
    public static string? VersionTextFromTag(string tag)
    {
        var text = tag.StartsWith('v') || tag.StartsWith('V') ? tag[1..] : tag;
        return NuGetVersion.TryParseStrict(text, out _) ? text : null;
    }

    private static Release? ReadRelease(JsonElement entry)
    {
        if (GetBool(entry, "draft"))
        {
            return null;
        }

        var tag = GetString(entry, "tag_name");
        if (tag is null || VersionTextFromTag(tag) is not { } versionText)
        {
            // Upstream also tags other things (SDKs, manifests); those carry no libextism.
            return null;
        }

        var version = NuGetVersion.Parse(versionText);
        var assets = new List<ReleaseAsset>();
        if (entry.TryGetProperty("assets", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var asset in list.EnumerateArray())
            {
                if (asset.ValueKind == JsonValueKind.Object && GetString(asset, "name") is { } name)
                {
                    var size = asset.TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : 0;
                    assets.Add(new ReleaseAsset(name, size, GetString(asset, "browser_download_url")));
                }
            }
        }

        return new Release(tag, versionText, version, GetBool(entry, "prerelease") || version.IsPrerelease, assets);
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool GetBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static InstallerException BadList(string location, string why) =>
        new(ExitCode.BadReleaseList,
            $"cannot read the release list {location}: {why}",
            "point --source at a mirror whose releases.json has the GitHub list-releases shape");
}

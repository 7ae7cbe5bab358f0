using System.Text;
using System.Text.Json.Nodes;

namespace Extism.Installer.Tests.Support;

/// <summary>How a fake release writes its checksum files.</summary>
internal enum ChecksumStyle
{
    Shasum,
    CertUtil,
}

/// <summary>
/// A mirror in the layout of /work/shared/libextism (releases.json plus download/v&lt;ver&gt;/...),
/// filled with small fake tarballs. Served as a directory or through <see cref="MiniHttpServer"/>.
/// </summary>
internal sealed class FakeMirror : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly JsonArray _releases = [];

    public FakeMirror()
    {
        Save();
    }

    public string Root => _directory.Path;

    /// <summary>Adds a release whose tarballs (from <paramref name="tarball"/>, default a good one) verify.</summary>
    public FakeMirror AddRelease(
        string version,
        IEnumerable<string>? rids = null,
        bool prerelease = false,
        Func<RuntimeTarget, byte[]>? tarball = null,
        ChecksumStyle style = ChecksumStyle.Shasum)
    {
        var assets = new JsonArray();
        foreach (var rid in rids ?? ["linux-x64"])
        {
            var target = RuntimeTargets.Find(rid) ?? throw new ArgumentException(rid);
            var bytes = tarball?.Invoke(target) ?? Tarball.Release(target.LibraryFileName).ToGzipBytes();
            var archiveName = target.ArchiveAssetName(version);
            var checksum = style == ChecksumStyle.CertUtil
                ? $"SHA256 hash of {archiveName}:\r\n{Tarball.Sha256(bytes)}\r\nCertUtil: -hashfile command completed successfully.\r\n"
                : $"{Tarball.Sha256(bytes)}  {archiveName}\n";
            assets.Add(WriteAsset(version, archiveName, bytes));
            assets.Add(WriteAsset(version, target.ChecksumAssetName(version), Encoding.UTF8.GetBytes(checksum)));
        }

        _releases.Add(new JsonObject
        {
            ["tag_name"] = $"v{version}",
            ["name"] = $"v{version}",
            ["draft"] = false,
            ["prerelease"] = prerelease,
            ["assets"] = assets,
        });
        Save();
        return this;
    }

    public string AssetPath(string version, string assetName) =>
        Path.Combine(Root, "download", $"v{version}", assetName);

    public string ArchivePath(string version, string rid = "linux-x64") =>
        AssetPath(version, RuntimeTargets.Find(rid)!.ArchiveAssetName(version));

    public string ChecksumPath(string version, string rid = "linux-x64") =>
        AssetPath(version, RuntimeTargets.Find(rid)!.ChecksumAssetName(version));

    public void WriteRootFile(string name, byte[] content) => File.WriteAllBytes(Path.Combine(Root, name), content);

    public void Dispose() => _directory.Dispose();

    private JsonObject WriteAsset(string version, string name, byte[] bytes)
    {
        var path = AssetPath(version, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return new JsonObject
        {
            ["name"] = name,
            ["size"] = bytes.Length,
            ["browser_download_url"] = $"download/v{version}/{name}",
        };
    }

    private void Save() => File.WriteAllText(Path.Combine(Root, "releases.json"), _releases.ToJsonString());
}

namespace Extism.Installer.Tests.Support;

/// <summary>A fresh folder under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateDirectory(
            System.IO.Path.Combine(System.IO.Path.GetTempPath(), "extism-installer-tests", Guid.NewGuid().ToString("N"))).FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Every file and folder below <paramref name="root"/>, relative, with file sizes.</summary>
    public static SortedSet<string> Snapshot(string root)
    {
        var entries = new SortedSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
        {
            return entries;
        }

        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(root, entry.FullName);
            entries.Add(entry is FileInfo file ? $"{relative} ({file.Length} bytes)" : relative + "/");
        }

        return entries;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp cleaner gets the rest.
        }
    }
}

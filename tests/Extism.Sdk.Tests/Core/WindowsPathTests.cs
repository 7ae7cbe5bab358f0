using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>
/// What only Windows has: drive letters and backslashes in manifest paths (issue 22, item 2).
/// Runs on win-x64 (in CI under Wine, build/test-emulated.sh); skipped elsewhere, with the reason.
/// </summary>
public sealed class WindowsPathTests : IDisposable
{
    private const string WindowsOnly = "Windows paths (drive letters, backslashes) exist only on Windows; run on win-x64 (CI: build/test-emulated.sh under Wine)";
    private readonly string _dir = Directory.CreateTempSubdirectory("extism-win-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static void RequireWindows()
    {
        if (!OperatingSystem.IsWindows()) Assert.Skip(WindowsOnly);
    }

    [Fact]
    public void AllowedPathsTakeDriveLettersAndBackslashes()
    {
        RequireWindows();
        Assert.Matches(@"^[A-Za-z]:\\", _dir); // the temp folder really is a drive-letter path
        File.WriteAllText(Path.Combine(_dir, "in.txt"), "from C:");
        Manifest manifest = TestPlugins.Manifest("wasi");
        manifest.AllowedPaths[_dir] = "/data";
        using var plugin = new Plugin(manifest, [], withWasi: true);
        Assert.Equal("from C:", plugin.Call("read_file", "/data/in.txt"));
        plugin.Call("write_file", "/data/out.txt\nwritten");
        Assert.Equal("written", File.ReadAllText(Path.Combine(_dir, "out.txt")));
    }

    [Fact]
    public void ReadOnlyPrefixBeforeADriveLetterIsStillReadOnly()
    {
        RequireWindows();
        // "ro:C:\..." has a second colon right after the prefix: the drive letter must survive.
        File.WriteAllText(Path.Combine(_dir, "in.txt"), "read only");
        Manifest manifest = TestPlugins.Manifest("wasi");
        manifest.AllowedPaths["ro:" + _dir] = "/ro";
        using var plugin = new Plugin(manifest, [], withWasi: true);
        Assert.Equal("read only", plugin.Call("read_file", "/ro/in.txt"));
        Assert.Throws<ExtismException>(() => plugin.Call("write_file", "/ro/out.txt\nnope"));
        Assert.False(File.Exists(Path.Combine(_dir, "out.txt")));
    }

    [Fact]
    public void PathWasmSourceTakesBackslashesAndForwardSlashes()
    {
        RequireWindows();
        string copy = Path.Combine(_dir, "sub dir", "outcomes.wasm");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(TestPlugins.PathOf("wasi"), copy);
        Assert.Contains('\\', copy);
        foreach (string path in new[] { copy, copy.Replace('\\', '/') })
        {
            File.WriteAllText(Path.Combine(_dir, "in.txt"), path);
            var manifest = new Manifest(new PathWasmSource(path));
            manifest.AllowedPaths[_dir] = "/data";
            using var plugin = new Plugin(manifest, [], withWasi: true);
            Assert.Equal(path, plugin.Call("read_file", "/data/in.txt"));
        }
    }

    [Fact]
    public void TheLibraryIsFoundUnderRuntimesWinX64()
    {
        RequireWindows();
        Assert.EndsWith(@"runtimes\win-x64\native\extism.dll", ExtismRuntime.LibraryPath, StringComparison.OrdinalIgnoreCase);
    }
}

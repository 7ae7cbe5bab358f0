using System.Diagnostics;
using System.Text;
using Extism.Installer.Tests.Support;

namespace Extism.Installer.Tests;

/// <summary>
/// End to end through HTTP: the installer against <see cref="MiniHttpServer"/> serving a fake
/// mirror. Every failure must leave the output folder exactly as it was.
/// </summary>
public sealed class HttpInstallTests : IAsyncLifetime
{
    private const string Version = "1.41.0";
    private readonly FakeMirror _mirror = new();
    private readonly TempDirectory _temp = new();
    private MiniHttpServer _server = null!;

    private string Output => _temp.Combine("out");

    public ValueTask InitializeAsync()
    {
        _mirror.AddRelease("1.40.0").AddRelease(Version);
        _server = new MiniHttpServer(_mirror.Root);
        Directory.CreateDirectory(Output);
        File.WriteAllText(Path.Combine(Output, "unrelated.txt"), "kept");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _mirror.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Installs_the_newest_supported_release_and_then_reports_it_installed()
    {
        var first = (await InstallAsync()).AssertSucceeded();
        var library = Path.Combine(Output, "linux-x64", "native", "libextism.so");
        Assert.Equal($"installed: libextism {Version} for linux-x64 at {library}", first.Out.Trim());
        Assert.Equal(Tarball.FakeLibrary, File.ReadAllBytes(library));
        Assert.Equal(Tarball.FakeLicense, File.ReadAllBytes(Path.Combine(Output, "linux-x64", "native", "LICENSE")));

        var stamp = InstallStamp.TryRead(Path.Combine(Output, "linux-x64"));
        Assert.NotNull(stamp);
        Assert.Equal(Version, stamp.Version);
        Assert.Equal("x86_64-unknown-linux-gnu", stamp.Target);
        Assert.Equal(Tarball.Sha256(File.ReadAllBytes(_mirror.ArchivePath(Version))), stamp.Sha256);
        Assert.Equal(_server.BaseUri.ToString(), stamp.Source);

        var before = TempDirectory.Snapshot(Output);
        var downloads = _server.RequestedPaths.Count(p => p.EndsWith(".tar.gz", StringComparison.Ordinal));
        var second = (await InstallAsync()).AssertSucceeded();
        Assert.Equal($"already installed: libextism {Version} for linux-x64 at {library}", second.Out.Trim());
        Assert.Equal(before, TempDirectory.Snapshot(Output));
        Assert.Equal(downloads, _server.RequestedPaths.Count(p => p.EndsWith(".tar.gz", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_changed_library_file_is_installed_again()
    {
        (await InstallAsync()).AssertSucceeded();
        var library = Path.Combine(Output, "linux-x64", "native", "libextism.so");
        File.WriteAllText(library, "tampered");
        var run = (await InstallAsync()).AssertSucceeded();
        Assert.StartsWith("installed:", run.Out, StringComparison.Ordinal);
        Assert.Equal(Tarball.FakeLibrary, File.ReadAllBytes(library));
    }

    [Fact]
    public async Task A_different_version_replaces_the_old_install_without_leftovers()
    {
        (await InstallAsync("--version", "1.40.0")).AssertSucceeded();
        (await InstallAsync()).AssertSucceeded();
        Assert.Equal(Version, InstallStamp.TryRead(Path.Combine(Output, "linux-x64"))!.Version);
        Assert.Equal(["linux-x64", "unrelated.txt"], Directory.EnumerateFileSystemEntries(Output).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_404_fails_and_leaves_the_output_untouched()
    {
        File.Delete(_mirror.ArchivePath(Version));
        var run = await FailsWithoutChangesAsync(ExitCode.NotFound);
        Assert.Contains("404", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checksum_mismatch_shows_both_hashes()
    {
        var expected = new string('a', 64);
        File.WriteAllText(_mirror.ChecksumPath(Version), $"{expected}  {RuntimeTargets.Find("linux-x64")!.ArchiveAssetName(Version)}\n");
        var run = await FailsWithoutChangesAsync(ExitCode.ChecksumMismatch);
        Assert.Contains($"expected {expected}, got {Tarball.Sha256(File.ReadAllBytes(_mirror.ArchivePath(Version)))}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_body_is_a_network_error()
    {
        var body = File.ReadAllBytes(_mirror.ArchivePath(Version));
        Override(_mirror.ArchivePath(Version), new Reply(200, body, DeclaredLength: body.Length + 1000));
        var run = await FailsWithoutChangesAsync(ExitCode.Network);
        Assert.Contains("broke off", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_stalls_hits_the_timeout()
    {
        var body = File.ReadAllBytes(_mirror.ArchivePath(Version));
        Override(_mirror.ArchivePath(Version), new Reply(200, body, SendBytes: body.Length / 3, Stall: true));
        var clock = Stopwatch.StartNew();
        var run = await FailsWithoutChangesAsync(ExitCode.Network, "--timeout", "2");
        Assert.Contains("stopped sending data for 2 s", run.Error, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_server_that_never_answers_hits_the_timeout()
    {
        _server.Overrides[_server.PathOf("releases.json")] = new Reply(200, [], StallBeforeHeaders: true);
        var run = await FailsWithoutChangesAsync(ExitCode.Network, "--timeout", "2");
        Assert.Contains("no response from", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_is_a_network_error()
    {
        var uri = _server.BaseUri;
        await _server.DisposeAsync();
        _server = new MiniHttpServer(_mirror.Root);
        var run = await InstallerRun.RunAsync(["--source", uri.ToString(), "--output", Output, "--rid", "linux-x64", "--timeout", "2"]);
        run.AssertFailed(ExitCode.Network);
    }

    [Fact]
    public async Task A_tarball_with_a_parent_path_entry_is_refused()
    {
        _mirror.AddRelease("1.41.1", tarball: _ => Tarball.Release().File("../evil", [1]).ToGzipBytes());
        var run = await FailsWithoutChangesAsync(ExitCode.CorruptArchive, "--version", "1.41.1");
        Assert.Contains("'../evil'", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("evil")));
    }

    [Fact]
    public async Task A_corrupt_tarball_is_refused()
    {
        _mirror.AddRelease("1.41.1", tarball: _ => "definitely not gzip"u8.ToArray());
        await FailsWithoutChangesAsync(ExitCode.CorruptArchive, "--version", "1.41.1");
    }

    [Fact]
    public async Task A_tarball_without_the_library_is_refused()
    {
        _mirror.AddRelease("1.41.1", tarball: _ => new Tarball().File("LICENSE", Tarball.FakeLicense).ToGzipBytes());
        var run = await FailsWithoutChangesAsync(ExitCode.LibraryMissing, "--version", "1.41.1");
        Assert.Contains("does not contain libextism.so", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_release_without_the_rid_names_releases_that_have_it()
    {
        _mirror.AddRelease("1.30.0", ["linux-x64", "osx-arm64"]);
        var run = await FailsWithoutChangesAsync(ExitCode.NoAssetForRid, "--rid", "osx-arm64", "--version", Version);
        Assert.Contains("releases that have it: 1.30.0", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_rids_install_together_or_not_at_all()
    {
        _mirror.AddRelease("1.50.0", RuntimeTargets.All.Select(t => t.Rid).Where(r => r != "win-x64"));
        await FailsWithoutChangesAsync(ExitCode.NoAssetForRid, "--all-rids", "--version", "1.50.0");

        _mirror.AddRelease("1.51.0", RuntimeTargets.All.Select(t => t.Rid));
        (await InstallAsync("--all-rids", "--version", "1.51.0")).AssertSucceeded();
        foreach (var target in RuntimeTargets.All)
        {
            Assert.True(File.Exists(Path.Combine(Output, target.Rid, "native", target.LibraryFileName)), target.Rid);
        }
    }

    [Fact]
    public async Task A_version_no_release_matches_lists_the_nearest()
    {
        var run = await FailsWithoutChangesAsync(ExitCode.NoMatchingRelease, "--version", "3.*");
        Assert.Contains("nearest available: 1.41.0, 1.40.0", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_release_list_is_reported()
    {
        _server.Overrides[_server.PathOf("releases.json")] = new Reply(200, "<html>"u8.ToArray());
        await FailsWithoutChangesAsync(ExitCode.BadReleaseList);
    }

    [Fact]
    public async Task A_certutil_checksum_is_accepted()
    {
        _mirror.AddRelease("1.41.1", ["win-x64"], style: ChecksumStyle.CertUtil);
        (await InstallAsync("--version", "1.41.1", "--rid", "win-x64")).AssertSucceeded();
        Assert.True(File.Exists(Path.Combine(Output, "win-x64", "native", "extism.dll")));
    }

    [Fact]
    public async Task A_tarball_without_a_license_gets_the_mirror_license()
    {
        _mirror.WriteRootFile("LICENSE", Encoding.UTF8.GetBytes("mirror license"));
        _mirror.AddRelease("1.41.1", tarball: _ => new Tarball().File("libextism.so", Tarball.FakeLibrary).ToGzipBytes());
        (await InstallAsync("--version", "1.41.1")).AssertSucceeded();
        Assert.Equal("mirror license", File.ReadAllText(Path.Combine(Output, "linux-x64", "native", "LICENSE")));
    }

    [Fact]
    public async Task An_output_that_cannot_be_created_is_reported()
    {
        var output = Path.Combine(Output, "unrelated.txt", "runtimes");
        var run = await InstallerRun.RunAsync(["--source", _server.BaseUri.ToString(), "--output", output, "--rid", "linux-x64", "--timeout", "2"]);
        run.AssertFailed(ExitCode.OutputNotWritable);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Output, "unrelated.txt")));
    }

    [Fact]
    public async Task A_missing_output_folder_is_not_left_behind_after_a_failure()
    {
        File.Delete(_mirror.ArchivePath(Version));
        var output = _temp.Combine("new", "runtimes");
        var run = await InstallerRun.RunAsync(["--source", _server.BaseUri.ToString(), "--output", output, "--rid", "linux-x64", "--timeout", "2"]);
        run.AssertFailed(ExitCode.NotFound);
        Assert.False(Directory.Exists(_temp.Combine("new")));
    }

    [Fact]
    public async Task A_stale_staging_folder_from_a_killed_run_is_removed()
    {
        var stale = Directory.CreateDirectory(Path.Combine(Output, ".libextism-tmp-0123456789ab", "linux-x64")).FullName;
        File.WriteAllText(Path.Combine(stale, "partial"), "x");
        (await InstallAsync()).AssertSucceeded();
        Assert.False(Directory.Exists(Path.Combine(Output, ".libextism-tmp-0123456789ab")));
    }

    [Fact]
    public async Task Concurrent_installs_into_one_folder_install_once()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => InstallAsync())));
        Assert.All(runs, r => r.AssertSucceeded());
        Assert.Single(runs, r => r.Out.StartsWith("installed:", StringComparison.Ordinal));
        Assert.Equal(2, runs.Count(r => r.Out.StartsWith("already installed:", StringComparison.Ordinal)));
    }

    private Task<InstallerRun> InstallAsync(params string[] extra)
    {
        // A stall is what the timeout tests are about (they pass "--timeout 2"); the others get a
        // timeout that a loaded CI machine cannot reach by pausing the process.
        List<string> args = ["--source", _server.BaseUri.ToString(), "--output", Output];
        if (!extra.Contains("--timeout")) args.AddRange(["--timeout", "15"]);
        if (!extra.Contains("--rid") && !extra.Contains("--all-rids"))
        {
            // Pinned so the tests mean the same on every machine.
            args.AddRange(["--rid", "linux-x64"]);
        }

        args.AddRange(extra);
        return InstallerRun.RunAsync(args);
    }

    private async Task<InstallerRun> FailsWithoutChangesAsync(ExitCode expected, params string[] extra)
    {
        var before = TempDirectory.Snapshot(Output);
        var run = (await InstallAsync(extra)).AssertFailed(expected);
        Assert.Equal(before, TempDirectory.Snapshot(Output));
        return run;
    }

    private void Override(string mirrorFile, Reply reply) =>
        _server.Overrides[_server.PathOf(Path.GetRelativePath(_mirror.Root, mirrorFile).Replace('\\', '/'))] = reply;
}

using System.Runtime.CompilerServices;
using Extism.Installer.Tests.Support;

namespace Extism.Installer.Tests;

/// <summary>A fact that needs the libextism mirror next to the repository (../shared/libextism).</summary>
public sealed class SharedMirrorFactAttribute : FactAttribute
{
    public SharedMirrorFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (SharedMirrorTests.MirrorRoot is null)
        {
            Skip = "the libextism mirror <repo>/../shared/libextism is not present on this machine";
        }
    }
}

/// <summary>The installer against the real release mirror used as a directory source.</summary>
public sealed class SharedMirrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public static string? MirrorRoot { get; } = FindMirror();

    private string Output => _temp.Combine("runtimes");

    public void Dispose() => _temp.Dispose();

    [SharedMirrorFact]
    public async Task The_default_install_is_1_41_0_verified_against_the_mirror_checksum()
    {
        var run = (await InstallAsync()).AssertSucceeded();
        Assert.Contains("installed: libextism 1.41.0 for linux-x64", run.Out, StringComparison.Ordinal);

        const string archive = "libextism-x86_64-unknown-linux-gnu-v1.41.0.tar.gz";
        var tarball = File.ReadAllBytes(Path.Combine(MirrorRoot!, "download", "v1.41.0", archive));
        var published = File.ReadAllText(Path.Combine(MirrorRoot!, "download", "v1.41.0", "libextism-x86_64-unknown-linux-gnu-v1.41.0.checksum.txt"));
        Assert.StartsWith(Tarball.Sha256(tarball), published, StringComparison.Ordinal);

        var stamp = InstallStamp.TryRead(Path.Combine(Output, "linux-x64"));
        Assert.NotNull(stamp);
        Assert.Equal("1.41.0", stamp.Version);
        Assert.Equal(Tarball.Sha256(tarball), stamp.Sha256);
        var library = Path.Combine(Output, "linux-x64", "native", "libextism.so");
        Assert.Equal(stamp.LibrarySha256, Tarball.Sha256(File.ReadAllBytes(library)));
        Assert.True(File.Exists(Path.Combine(Output, "linux-x64", "native", "LICENSE")));

        var again = (await InstallAsync()).AssertSucceeded();
        Assert.Equal($"already installed: libextism 1.41.0 for linux-x64 at {library}", again.Out.Trim());
    }

    [SharedMirrorFact]
    public async Task A_range_resolves_to_the_newest_release_inside_it()
    {
        (await InstallAsync("--version", "[1.12,1.41)")).AssertSucceeded();
        Assert.Equal("1.40.0", InstallStamp.TryRead(Path.Combine(Output, "linux-x64"))!.Version);
    }

    [SharedMirrorFact]
    public async Task A_floating_version_resolves_to_the_newest_match()
    {
        var releases = await new DirectorySource(MirrorRoot!).ListReleasesAsync(CancellationToken.None);
        Assert.Equal("1.41.0", VersionSelector.Select(releases, VersionSpec.Parse("1.*"), false, "mirror").VersionText);
        Assert.Equal("1.40.0", VersionSelector.Select(releases, VersionSpec.Parse("[1.12,1.41)"), false, "mirror").VersionText);
    }

    [SharedMirrorFact]
    public async Task A_version_beyond_every_release_names_the_nearest()
    {
        var run = (await InstallAsync("--version", "3.*")).AssertFailed(ExitCode.NoMatchingRelease);
        Assert.Contains("nearest available: 1.41.0, 1.40.0, 1.12.0", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [SharedMirrorFact]
    public async Task An_older_exact_version_installs()
    {
        (await InstallAsync("--version", "1.12.0")).AssertSucceeded();
        var stamp = InstallStamp.TryRead(Path.Combine(Output, "linux-x64"))!;
        Assert.Equal("1.12.0", stamp.Version);
        Assert.Equal(stamp.LibrarySha256, Tarball.Sha256(File.ReadAllBytes(Path.Combine(Output, "linux-x64", "native", "libextism.so"))));
    }

    [SharedMirrorFact]
    public async Task The_source_can_come_from_the_environment_relative_to_the_working_directory()
    {
        var parent = Path.GetDirectoryName(MirrorRoot!)!;
        var environment = new Dictionary<string, string> { ["EXTISM_RUNTIME_SOURCE"] = Path.GetFileName(MirrorRoot!) };
        var run = await InstallerRun.RunAsync(["--output", Output, "--rid", "linux-x64", "--version", "1.9.1"], parent, environment);
        run.AssertSucceeded();
        Assert.Equal(MirrorRoot, InstallStamp.TryRead(Path.Combine(Output, "linux-x64"))!.Source);
    }

    private Task<InstallerRun> InstallAsync(params string[] extra) =>
        InstallerRun.RunAsync(["--source", MirrorRoot!, "--output", Output, "--rid", "linux-x64", .. extra]);

    private static string? FindMirror()
    {
        var repository = RepositoryLocator.Find(AppContext.BaseDirectory);
        var mirror = repository is null ? null : Path.GetFullPath(Path.Combine(repository, "..", "shared", "libextism"));
        return mirror is not null && File.Exists(Path.Combine(mirror, "releases.json")) ? mirror : null;
    }
}

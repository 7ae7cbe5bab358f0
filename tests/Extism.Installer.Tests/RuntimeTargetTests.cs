using System.Runtime.InteropServices;

namespace Extism.Installer.Tests;

public sealed class RuntimeTargetTests
{
    [Theory]
    [InlineData("linux-x64", "x86_64-unknown-linux-gnu", "libextism.so")]
    [InlineData("linux-arm64", "aarch64-unknown-linux-gnu", "libextism.so")]
    [InlineData("linux-musl-x64", "x86_64-unknown-linux-musl", "libextism.so")]
    [InlineData("linux-musl-arm64", "aarch64-unknown-linux-musl", "libextism.so")]
    [InlineData("osx-x64", "x86_64-apple-darwin", "libextism.dylib")]
    [InlineData("osx-arm64", "aarch64-apple-darwin", "libextism.dylib")]
    [InlineData("win-x64", "x86_64-pc-windows-msvc", "extism.dll")]
    public void Each_rid_maps_to_its_release_target_and_library(string rid, string target, string library)
    {
        var found = RuntimeTargets.Find(rid);
        Assert.NotNull(found);
        Assert.Equal(target, found.Target);
        Assert.Equal(library, found.LibraryFileName);
    }

    [Fact]
    public void Asset_names_follow_the_release_job()
    {
        var target = RuntimeTargets.Find("linux-x64")!;
        Assert.Equal("libextism-x86_64-unknown-linux-gnu-v1.41.0.tar.gz", target.ArchiveAssetName("1.41.0"));
        Assert.Equal("libextism-x86_64-unknown-linux-gnu-v1.41.0.checksum.txt", target.ChecksumAssetName("1.41.0"));
    }

    [Fact]
    public void Rids_are_matched_ignoring_case_and_unknown_ones_are_not()
    {
        Assert.Equal("osx-arm64", RuntimeTargets.Find("OSX-ARM64")?.Rid);
        Assert.Null(RuntimeTargets.Find("win-arm64"));
        Assert.Null(RuntimeTargets.Find("linux-musl-x86"));
        Assert.Equal(7, RuntimeTargets.All.Count);
    }

    [Theory]
    [InlineData("linux", Architecture.X64, false, "linux-x64")]
    [InlineData("linux", Architecture.Arm64, true, "linux-musl-arm64")]
    [InlineData("osx", Architecture.Arm64, false, "osx-arm64")]
    [InlineData("win", Architecture.X64, false, "win-x64")]
    [InlineData("win", Architecture.Arm64, false, "win-arm64")]
    public void Portable_rids_are_built_from_os_architecture_and_libc(string os, Architecture arch, bool musl, string expected)
    {
        Assert.Equal(expected, RuntimeTargets.PortableRid(os, arch, musl));
    }

    [Fact]
    public void The_current_rid_is_portable()
    {
        var rid = RuntimeTargets.CurrentRid();
        Assert.Matches("^(linux-musl|linux|osx|win)-[a-z0-9]+$", rid);
    }

    // Issue 22, item 3: Debian's "musl" package puts /lib/ld-musl-x86_64.so.1 on a glibc
    // machine; the tool took that file as proof of musl and installed linux-musl-x64, while the
    // SDK (going by the runtime's RID) looked for linux-x64. The tool must agree with the SDK.
    [Fact]
    public void A_glibc_process_is_linux_gnu_even_with_musl_installed_beside_it()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal))
        {
            Assert.Skip("needs a glibc build of .NET on Linux");
        }
        if (!Directory.EnumerateFiles("/lib", "ld-musl-*.so.1").Any())
        {
            Assert.Skip("needs Debian's musl package installed (.ci/run installs it): the defect shows only when /lib/ld-musl-*.so.1 exists");
        }
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        Assert.Equal($"linux-{arch}", RuntimeTargets.CurrentRid());
    }

    [Theory]
    [InlineData("7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6", false)]
    [InlineData("7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /lib/ld-musl-x86_64.so.1", true)]
    [InlineData("7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /lib/libc.musl-aarch64.so.1", true)]
    [InlineData("", false)]
    public void The_c_library_is_read_from_what_the_process_mapped(string maps, bool musl)
    {
        Assert.Equal(musl, RuntimeTargets.MapsShowMusl(maps));
    }
}

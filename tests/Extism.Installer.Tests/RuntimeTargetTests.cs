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
        if (OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64 && !File.Exists("/lib/ld-musl-x86_64.so.1"))
        {
            Assert.Equal("linux-x64", rid);
        }
    }
}

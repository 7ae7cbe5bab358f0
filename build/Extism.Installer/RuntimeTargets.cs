using System.Runtime.InteropServices;

namespace Extism.Installer;

/// <summary>One .NET runtime identifier and the libextism release build that serves it.</summary>
/// <param name="Rid">Portable .NET RID, e.g. <c>linux-x64</c>.</param>
/// <param name="Target">Rust target triple used in the release asset names.</param>
/// <param name="LibraryFileName">File name of the shared library inside the tarball.</param>
internal sealed record RuntimeTarget(string Rid, string Target, string LibraryFileName)
{
    public string ArchiveAssetName(string version) => $"libextism-{Target}-v{version}.tar.gz";

    public string ChecksumAssetName(string version) => $"libextism-{Target}-v{version}.checksum.txt";
}

/// <summary>The RIDs libextism is released for, and which one this machine is.</summary>
internal static class RuntimeTargets
{
    public static IReadOnlyList<RuntimeTarget> All { get; } =
    [
        new("linux-x64", "x86_64-unknown-linux-gnu", "libextism.so"),
        new("linux-arm64", "aarch64-unknown-linux-gnu", "libextism.so"),
        new("linux-musl-x64", "x86_64-unknown-linux-musl", "libextism.so"),
        new("linux-musl-arm64", "aarch64-unknown-linux-musl", "libextism.so"),
        new("osx-x64", "x86_64-apple-darwin", "libextism.dylib"),
        new("osx-arm64", "aarch64-apple-darwin", "libextism.dylib"),
        new("win-x64", "x86_64-pc-windows-msvc", "extism.dll"),
    ];

    public static string SupportedList => string.Join(", ", All.Select(t => t.Rid));

    /// <summary>Finds the target for a RID, ignoring case (RIDs are lower-case by convention).</summary>
    public static RuntimeTarget? Find(string rid) =>
        All.FirstOrDefault(t => string.Equals(t.Rid, rid.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The portable RID of the running machine. RuntimeInformation.RuntimeIdentifier can be a
    /// distro-specific RID (e.g. <c>debian.12-x64</c>) on source-built runtimes, so the RID is
    /// rebuilt from OS, architecture and C library instead of being trusted as is.
    /// </summary>
    public static string CurrentRid()
    {
        var os = OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : OperatingSystem.IsLinux() ? "linux"
            : RuntimeInformation.OSDescription;
        return PortableRid(os, RuntimeInformation.OSArchitecture, os == "linux" && IsMusl());
    }

    /// <summary>Builds a portable RID such as <c>linux-musl-arm64</c> from its parts.</summary>
    public static string PortableRid(string os, Architecture architecture, bool musl)
    {
        var arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            _ => architecture.ToString().ToLowerInvariant(),
        };
        return musl ? $"{os}-musl-{arch}" : $"{os}-{arch}";
    }

    /// <summary>
    /// Decides musl the way the SDK does: by the .NET runtime's own RID. A portable glibc RID
    /// (<c>linux-x64</c>, <c>linux-arm64</c>) is trusted as is: a glibc machine may well have
    /// musl's loader installed (Debian's <c>musl</c> package, for cross-compiling), so the mere
    /// presence of <c>/lib/ld-musl-*.so.1</c> proves nothing. Only a distro-specific RID of a
    /// source-built runtime (e.g. <c>void-x64</c>) is settled by the C library this process
    /// really mapped (/proc/self/maps).
    /// </summary>
    private static bool IsMusl()
    {
        var runtimeRid = RuntimeInformation.RuntimeIdentifier;
        if (runtimeRid.Contains("musl", StringComparison.OrdinalIgnoreCase)
            || runtimeRid.StartsWith("alpine", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (runtimeRid.StartsWith("linux-", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            return MapsShowMusl(File.ReadAllText("/proc/self/maps"));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether a /proc/self/maps text shows musl's C library (its loader is its libc) mapped.</summary>
    internal static bool MapsShowMusl(string maps) =>
        maps.Contains("/ld-musl-", StringComparison.Ordinal) || maps.Contains("/libc.musl-", StringComparison.Ordinal);
}

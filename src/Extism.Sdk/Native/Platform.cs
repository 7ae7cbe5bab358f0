using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

/// <summary>Which runtime identifier and library file name libextism has on this machine.</summary>
internal static class Platform
{
    /// <summary>The portable RID the runtime packages use: linux-x64, linux-musl-arm64, osx-arm64, win-x64, ...</summary>
    internal static string RuntimeIdentifier { get; } = ComputeRid();

    /// <summary>libextism.so, libextism.dylib or extism.dll.</summary>
    internal static string LibraryFileName { get; } =
        OperatingSystem.IsWindows() ? "extism.dll" : OperatingSystem.IsMacOS() ? "libextism.dylib" : "libextism.so";

    private static string ComputeRid()
    {
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows()) return "win-" + arch;
        if (OperatingSystem.IsMacOS()) return "osx-" + arch;
        // The host's own RID says whether this is a musl build of .NET (Alpine and friends).
        bool musl = RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase);
        return (musl ? "linux-musl-" : "linux-") + arch;
    }
}

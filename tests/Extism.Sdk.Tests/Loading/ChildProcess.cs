using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Extism.Sdk.Tests.Loading;

/// <summary>Runs tests/Extism.Sdk.TestHost in a fresh process, for state libextism keeps per process.</summary>
internal static class ChildProcess
{
    internal static Dictionary<string, List<string>> Run(string scenario, IDictionary<string, string?>? environment = null, params string[] extra)
    {
        var start = new ProcessStartInfo(HostCommand) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!SelfContained) start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Extism.Sdk.TestHost.dll"));
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(TestPlugins.Directory);
        foreach (string arg in extra) start.ArgumentList.Add(arg);
        start.Environment.Remove("EXTISM_LIB_PATH");
        if (environment is not null) foreach (var (key, value) in environment) start.Environment[key] = value;
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000)) { process.Kill(); throw new TimeoutException($"{scenario} did not finish"); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{scenario} exited {process.ExitCode}: {stdout}{stderr.Result}");
        var result = new Dictionary<string, List<string>>();
        // Console.WriteLine ends lines with \r\n on Windows: split on both so no value keeps a \r.
        foreach (string line in stdout.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) continue;
            string key = line[..colon];
            if (!result.TryGetValue(key, out var values)) result[key] = values = new List<string>();
            values.Add(line[(colon + 2)..]);
        }
        return result;
    }

    // A self-contained publish (how the tests run under Wine and qemu, where there is no dotnet
    // command) carries the runtime beside the tests, and TestHost's own launcher runs on it.
    private static bool SelfContained { get; } =
        File.Exists(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "coreclr.dll" : OperatingSystem.IsMacOS() ? "libcoreclr.dylib" : "libcoreclr.so"));

    private static string HostCommand => SelfContained
        ? Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Extism.Sdk.TestHost.exe" : "Extism.Sdk.TestHost")
        : "dotnet";

    /// <summary>The mirror in ../shared/libextism, when this clone has one beside it.</summary>
    internal static string? Mirror
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "libextism");
                if (File.Exists(Path.Combine(candidate, "releases.json"))) return candidate;
            }
            return null;
        }
    }

    /// <summary>Extracts the linux-x64 libextism of <paramref name="version"/> from the mirror into a temp directory.</summary>
    internal static string ExtractFromMirror(string version)
    {
        string tarball = Path.Combine(Mirror!, "download", "v" + version, $"libextism-x86_64-unknown-linux-gnu-v{version}.tar.gz");
        string target = Path.Combine(Path.GetTempPath(), "extism-sdk-tests", version);
        if (File.Exists(Path.Combine(target, "libextism.so"))) return target;
        Directory.CreateDirectory(target);
        using FileStream file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        TarFile.ExtractToDirectory(gzip, target, overwriteFiles: true);
        return target;
    }
}

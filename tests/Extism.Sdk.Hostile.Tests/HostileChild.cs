using System.Diagnostics;

namespace Extism.Sdk.Hostile.Tests;

/// <summary>What one child process did: its exit code, one line per call, and what it printed.</summary>
internal sealed record ChildResult(int ExitCode, IReadOnlyList<string> Calls, string Output)
{
    /// <summary>Ended by a signal or an abort rather than by returning from Main.</summary>
    internal bool Crashed => ExitCode != 0;
}

/// <summary>Runs tests/Extism.Sdk.Hostile.Host with a list of calls on one hostile.wasm instance.</summary>
internal static class HostileChild
{
    internal static ChildResult Run(params string[] calls)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Extism.Sdk.Hostile.Host.dll"));
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "plugins"));
        foreach (string call in calls) start.ArgumentList.Add(call);
        // The library next to the tests (Libextism.targets), not one a developer pointed at.
        start.Environment.Remove("EXTISM_LIB_PATH");
        // A backtrace per failed call only slows the child down.
        start.Environment.Remove("RUST_BACKTRACE");
        // A crash should not leave a core file per case behind.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the child running {string.Join(' ', calls)} hung (2 minutes)");
        }
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ChildResult(process.ExitCode, lines.Where(l => l.StartsWith("call ", StringComparison.Ordinal)).ToArray(), stdout + stderr.Result);
    }
}

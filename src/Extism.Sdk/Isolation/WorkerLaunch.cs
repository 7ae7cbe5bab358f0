using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk.Isolation;

/// <summary>How to start the worker: its apphost, or its dll with a <c>dotnet</c> host.</summary>
internal sealed class WorkerLaunch
{
    internal const string EnvironmentVariable = "EXTISM_WORKER_PATH";
    private const string BaseName = "Extism.Sdk.Worker";

    private readonly string _program;
    private readonly string? _dll;
    private readonly string? _libraryPath;

    private WorkerLaunch(string program, string? dll)
    {
        _program = program;
        _dll = dll;
        _libraryPath = LibraryLoader.PathForWorkers();
    }

    internal string Describe() => _dll is null ? _program : $"{_program} {_dll}";

    internal ProcessStartInfo CreateStartInfo(string cancelPipe)
    {
        var start = new ProcessStartInfo(_program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        if (_dll is not null) start.ArgumentList.Add(_dll);
        start.ArgumentList.Add("--parent");
        start.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--cancel");
        start.ArgumentList.Add(cancelPipe);
        // The environment is inherited (EXTISM_* included); the worker loads the library this process would.
        if (_libraryPath is not null) start.Environment[LibraryLoader.EnvironmentVariable] = _libraryPath;
        // A crashing worker should not leave a .NET dump file per crash behind.
        if (!start.Environment.ContainsKey("DOTNET_DbgEnableMiniDump")) start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        return start;
    }

    /// <summary>
    /// Finds the worker: <paramref name="configured"/>, then <c>EXTISM_WORKER_PATH</c>, then next to
    /// the app and to the Extism.Sdk assembly (also under <c>runtimes/&lt;rid&gt;/native/</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">No worker anywhere; the message lists the places tried.</exception>
    internal static WorkerLaunch Locate(string? configured)
    {
        var tried = new List<string>();
        string? explicitPath = !string.IsNullOrEmpty(configured) ? configured : Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            string full = Path.GetFullPath(explicitPath);
            if (File.Exists(full)) return ForFile(full);
            throw new FileNotFoundException(
                $"The Extism worker '{full}' ({(configured is null ? EnvironmentVariable : "IsolatedPluginPoolOptions.WorkerPath")}) does not exist.", full);
        }
        string exe = OperatingSystem.IsWindows() ? BaseName + ".exe" : BaseName;
        bool underDotnet = DotnetHost() is not null && IsDotnet(Environment.ProcessPath);
        foreach (string directory in Directories())
        {
            string apphost = Path.Combine(directory, exe), dll = Path.Combine(directory, BaseName + ".dll");
            string native = Path.Combine(directory, "runtimes", Platform.RuntimeIdentifier, "native", exe);
            // Under dotnet, the dll with the same host needs no registered runtime location; an
            // apphost (or a NativeAOT worker) is started directly.
            string[] order = underDotnet ? [dll, apphost, native] : [apphost, native, dll];
            foreach (string candidate in order)
            {
                tried.Add(candidate);
                if (File.Exists(candidate)) return ForFile(candidate);
            }
        }
        throw new FileNotFoundException(
            "The Extism worker (Extism.Sdk.Worker) was not found. Tried: " + string.Join(", ", tried) +
            $". Reference the Extism.Sdk.Worker project or package so it is copied next to the app, or set IsolatedPluginPoolOptions.WorkerPath or the {EnvironmentVariable} environment variable.");
    }

    private static WorkerLaunch ForFile(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new WorkerLaunch(DotnetHost() ?? "dotnet", path)
            : new WorkerLaunch(path, null);

    private static IEnumerable<string> Directories()
    {
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
#pragma warning disable IL3000 // empty in single-file and NativeAOT apps, which is handled: AppContext.BaseDirectory covers them
        string? sdk = Path.GetDirectoryName(typeof(WorkerLaunch).Assembly.Location);
#pragma warning restore IL3000
        foreach (string? directory in new[] { AppContext.BaseDirectory, sdk })
        {
            if (string.IsNullOrEmpty(directory)) continue;
            string full = Path.GetFullPath(directory);
            if (seen.Add(full)) yield return full;
        }
    }

    /// <summary>The dotnet host running this process, else the one the SDK names (DOTNET_HOST_PATH), else null (then "dotnet" on PATH).</summary>
    private static string? DotnetHost()
    {
        if (IsDotnet(Environment.ProcessPath)) return Environment.ProcessPath;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : null;
    }

    private static bool IsDotnet(string? path) =>
        path is not null && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Starts worker processes from one long-lived thread on Linux: PR_SET_PDEATHSIG, which the
/// worker sets so that it dies with its host, fires when the thread that forked it ends, and a
/// thread-pool thread may end at any time.
/// </summary>
internal static class WorkerSpawner
{
    private static readonly object s_gate = new();
    private static System.Collections.Concurrent.BlockingCollection<(WorkerLaunch Launch, TaskCompletionSource<(Process, AnonymousPipeServerStream)> Done)>? s_requests;

    /// <summary>Starts a worker with the write end of its cancel pipe (the read end is inherited by the worker only).</summary>
    internal static (Process Process, AnonymousPipeServerStream CancelPipe) Start(WorkerLaunch launch)
    {
        if (!OperatingSystem.IsLinux()) return StartNow(launch);
        var done = new TaskCompletionSource<(Process, AnonymousPipeServerStream)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests().Add((launch, done));
        return done.Task.GetAwaiter().GetResult();
    }

    private static (Process, AnonymousPipeServerStream) StartNow(WorkerLaunch launch)
    {
        var cancel = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
        try
        {
            Process process;
            try
            {
                process = Process.Start(launch.CreateStartInfo(cancel.GetClientHandleAsString())) ?? throw new InvalidOperationException("Process.Start returned no process.");
            }
            finally
            {
                // Only the worker keeps the read end: when this process dies, the worker sees the pipe end.
                cancel.DisposeLocalCopyOfClientHandle();
            }
            return (process, cancel);
        }
        catch
        {
            cancel.Dispose();
            throw;
        }
    }

    private static System.Collections.Concurrent.BlockingCollection<(WorkerLaunch Launch, TaskCompletionSource<(Process, AnonymousPipeServerStream)> Done)> Requests()
    {
        lock (s_gate)
        {
            if (s_requests is not null) return s_requests;
            var requests = new System.Collections.Concurrent.BlockingCollection<(WorkerLaunch Launch, TaskCompletionSource<(Process, AnonymousPipeServerStream)> Done)>();
            var thread = new Thread(() =>
            {
                foreach ((WorkerLaunch launch, TaskCompletionSource<(Process, AnonymousPipeServerStream)> done) in requests.GetConsumingEnumerable())
                {
                    try
                    {
                        done.SetResult(StartNow(launch));
                    }
                    catch (Exception e)
                    {
                        done.SetException(e);
                    }
                }
            })
            { IsBackground = true, Name = "Extism worker spawner" };
            thread.Start();
            return s_requests = requests;
        }
    }
}

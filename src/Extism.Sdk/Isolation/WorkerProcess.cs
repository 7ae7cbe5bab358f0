using System.Diagnostics;
using Extism.Sdk.Diagnostics;

namespace Extism.Sdk.Isolation;

/// <summary>
/// One worker process as the host sees it: its frame channel, what it last wrote to stderr, and
/// its death. One call at a time (the pool rents it out); the thread making the call reads the
/// worker's frames itself, so a host-function callback runs on that thread with no hand-off.
/// Any thread may kill it (the pool's monitor, a cancellation); the calling thread then reads
/// the end of the stream and reports why with <see cref="Died"/>.
/// </summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private const int StderrLines = 20;
    private const int NoReason = -1;
    private const int DisposingReason = -2;

    private readonly Process _process;
    private readonly System.IO.Pipes.AnonymousPipeServerStream _cancelPipe;
    private readonly FrameChannel _channel;
    private readonly Queue<string> _stderr = new();
    private readonly string _poolName;
    private int _killReason = NoReason;
    private int _disposed;
    private bool _dead;

    private WorkerProcess(Process process, System.IO.Pipes.AnonymousPipeServerStream cancelPipe, string poolName)
    {
        _process = process;
        _cancelPipe = cancelPipe;
        _poolName = poolName;
        Pid = process.Id;
        _channel = new FrameChannel(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
        _session = new WorkerCallSession(this);
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null) return;
            lock (_stderr)
            {
                _stderr.Enqueue(line.Data);
                if (_stderr.Count > StderrLines) _stderr.Dequeue();
            }
        };
        process.BeginErrorReadLine();
    }

    internal int Pid { get; }

    /// <summary>True once the process is known to be gone (or killed): the pool does not rent it out again.</summary>
    internal bool IsDead => _dead || Volatile.Read(ref _killReason) != NoReason;

    internal FrameChannel Channel => _channel;

    /// <summary>The process has ended (asks the OS; for idle workers, before renting them out).</summary>
    internal bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Starts a worker and creates its plug-in; returns when the plug-in is ready.
    /// </summary>
    /// <exception cref="ExtismWorkerException">The process could not start, or died or stalled before it was ready (<see cref="WorkerExitReason.StartFailed"/>).</exception>
    /// <exception cref="ExtismException">The worker could not create the plug-in (for example <see cref="ExtismErrorKind.Creation"/>).</exception>
    internal static WorkerProcess Start(WorkerLaunch launch, ReadOnlySpan<byte> createPayload, TimeSpan startTimeout, string poolName, IsolatedHostFunction[] functions)
    {
        Process process;
        System.IO.Pipes.AnonymousPipeServerStream cancelPipe;
        try
        {
            (process, cancelPipe) = WorkerSpawner.Start(launch);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            ExtismTelemetry.WorkerRestarted(poolName, WorkerExitReason.StartFailed);
            throw new ExtismWorkerException($"The Extism worker '{launch.Describe()}' could not be started: {e.Message}", WorkerExitReason.StartFailed, null, e);
        }
        var worker = new WorkerProcess(process, cancelPipe, poolName);
        worker._session.Functions = functions;
        // 0 starting, 1 ready, 2 stalled: the timer and the ready answer race for it, so a worker
        // that answers just as the timeout fires is either killed or kept, never both.
        int state = 0;
        using var stall = new Timer(_ =>
        {
            if (Interlocked.CompareExchange(ref state, 2, 0) == 0) worker.Kill(WorkerExitReason.StartFailed);
        }, null, startTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            worker._channel.Write(FrameType.Create, 0, createPayload);
            if (!worker._channel.TryRead(out FrameType type, out _, out ReadOnlySpan<byte> payload)) throw worker.Died("start", null, starting: true);
            if (type == FrameType.Ready)
            {
                if (Interlocked.CompareExchange(ref state, 1, 0) == 0) return worker;
                throw worker.Died("start", new TimeoutException($"The worker was not ready within {startTimeout}."), starting: true);
            }
            if (type == FrameType.CreateFailed)
            {
                var reader = new PayloadReader(payload);
                var kind = (ExtismErrorKind)reader.I32();
                string message = reader.String();
                worker.Dispose();
                throw new ExtismException(message, kind, null);
            }
            worker.Kill(WorkerExitReason.StartFailed);
            throw worker.Died("start", new InvalidDataException($"The worker answered {type} to Create."), starting: true);
        }
        catch (IOException e)
        {
            ExtismWorkerException death = worker.Died("start", e, starting: true);
            worker.Dispose();
            throw death;
        }
        catch
        {
            worker.Dispose(); // reaped and its pipes closed, whatever went wrong
            throw;
        }
    }

    /// <summary>Kills the process for <paramref name="reason"/>, unless it is already being killed. Any thread.</summary>
    internal void Kill(WorkerExitReason reason) => KillFor((int)reason);

    private void KillFor(int reason)
    {
        if (Interlocked.CompareExchange(ref _killReason, reason, NoReason) != NoReason) return;
        try
        {
            _process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone: the reader sees the end of the stream either way.
        }
    }

    /// <summary>
    /// The process ended (the stream closed under us): reaps it, counts the restart and describes
    /// the death. Called by the thread that was using the worker.
    /// </summary>
    internal ExtismWorkerException Died(string functionName, Exception? inner, bool starting = false)
    {
        _dead = true;
        int? exitCode = Reap();
        int killReason = Volatile.Read(ref _killReason);
        WorkerExitReason reason = starting ? WorkerExitReason.StartFailed
            : killReason >= 0 ? (WorkerExitReason)killReason
            : exitCode is { } status && WasKilledFromOutside(status) ? WorkerExitReason.Killed
            : WorkerExitReason.Crashed;
        if (killReason != DisposingReason) ExtismTelemetry.WorkerRestarted(_poolName, reason);
        string what = reason switch
        {
            WorkerExitReason.Hung => "was killed because the call ran past its deadline or did not stop when cancelled",
            WorkerExitReason.MemoryLimit => "was killed because its memory passed MaxWorkerMemoryBytes",
            WorkerExitReason.Killed => "was killed from outside the pool",
            WorkerExitReason.StartFailed => "failed to start or create the plug-in",
            _ => "crashed",
        };
        string code = exitCode is null ? "unknown" : OperatingSystem.IsWindows() || exitCode <= 128 ? $"{exitCode}" : $"{exitCode} (signal {exitCode - 128})";
        string stderr;
        lock (_stderr) stderr = _stderr.Count == 0 ? "" : " Last stderr lines:" + Environment.NewLine + string.Join(Environment.NewLine, _stderr);
        return new ExtismWorkerException(
            $"The Extism worker process {Pid} running '{functionName}' {what}; exit code {code}.{stderr}", reason, exitCode, inner);
    }

    /// <summary>SIGKILL or SIGTERM (128 + n as .NET reports signals), or a terminate on Windows, that the pool did not send.</summary>
    private static bool WasKilledFromOutside(int exitCode) => OperatingSystem.IsWindows() ? exitCode == -1 : exitCode is 128 + 9 or 128 + 15;

    /// <summary>Waits for the process to end (killing it if it does not within 5 s) and returns its exit code.</summary>
    private int? Reap()
    {
        try
        {
            if (!_process.WaitForExit(5000))
            {
                KillFor(DisposingReason);
                _process.WaitForExit(5000);
            }
            // The parameterless wait also waits for the stderr reader to see the end of the pipe.
            _process.WaitForExit();
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Ends the worker: an idle one by closing its stdin (it exits), a busy or stuck one by killing
    /// it; then reaps it and closes the pipes. Leaves no process behind.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!IsDead)
        {
            CloseQuietly(_process.StandardInput.BaseStream); // the worker reads the end of its stdin and exits
            if (!_process.WaitForExit(1000)) KillFor(DisposingReason);
        }
        Reap();
        // Process.Dispose leaves the redirected streams to whoever read them (us): close them here.
        CloseQuietly(_process.StandardInput.BaseStream);
        CloseQuietly(_process.StandardOutput.BaseStream);
        _cancelPipe.Dispose();
        _process.Dispose();
    }

    private static void CloseQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
            // A pipe whose other end is gone may fail its final flush; it is closed all the same.
        }
    }

    /// <summary>Called by the pool's dispose for a worker in a call: kill it; the calling thread reaps it and reports <see cref="ObjectDisposedException"/>.</summary>
    internal void KillForDispose()
    {
        KillFor(DisposingReason);
        try
        {
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    internal bool KilledForDispose => Volatile.Read(ref _killReason) == DisposingReason;

    /// <summary>Resident memory of the process in bytes; null when it cannot be read (the process is gone).</summary>
    internal long? ResidentBytes()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // statm: size resident shared ... in pages; one small read, no Process refresh.
                string statm = File.ReadAllText($"/proc/{Pid}/statm");
                string[] fields = statm.Split(' ');
                return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
            }
            _process.Refresh();
            return _process.WorkingSet64;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

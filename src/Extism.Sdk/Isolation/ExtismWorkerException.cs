namespace Extism.Sdk;

/// <summary>Why a worker process of an <see cref="IsolatedPluginPool"/> ended.</summary>
public enum WorkerExitReason
{
    /// <summary>The worker ended on its own during the call: a crash in libextism or the runtime (a signal such as SIGSEGV, or an abort), or an unexpected exit.</summary>
    Crashed,
    /// <summary>The call ran past <see cref="IsolatedPluginPoolOptions.CallDeadline"/>, or did not stop after being cancelled, and the pool killed the worker.</summary>
    Hung,
    /// <summary>The worker's resident memory passed <see cref="IsolatedPluginPoolOptions.MaxWorkerMemoryBytes"/> and the pool killed it.</summary>
    MemoryLimit,
    /// <summary>Something outside the pool killed the worker (SIGKILL or SIGTERM, or a terminate on Windows).</summary>
    Killed,
    /// <summary>The worker could not be started, or died or stalled before its plug-in was ready.</summary>
    StartFailed,
    /// <summary>The worker used more CPU time in the call than <see cref="IsolatedPluginPoolOptions.MaxWorkerCpuTime"/> and the OS ended it (SIGXCPU on Linux, the job object's time limit on Windows).</summary>
    CpuLimit,
}

/// <summary>
/// The worker process that ran (or was to run) the call died: kind <see cref="ExtismErrorKind.WorkerDied"/>.
/// The pool has already reaped the process; the next call gets a fresh worker. The message ends
/// with the last lines the worker wrote to its stderr, when it wrote any.
/// </summary>
public sealed class ExtismWorkerException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, for people.</param>
    /// <param name="reason">Why the worker ended.</param>
    /// <param name="exitCode">The process's exit code as .NET reports it (128 + signal number for a signal on Unix); null when unknown.</param>
    /// <param name="innerException">What caused it on the host's side, if anything.</param>
    public ExtismWorkerException(string message, WorkerExitReason reason, int? exitCode, Exception? innerException = null)
        : base(message, ExtismErrorKind.WorkerDied, null, innerException)
    {
        Reason = reason;
        WorkerExitCode = exitCode;
    }

    /// <summary>Why the worker ended.</summary>
    public WorkerExitReason Reason { get; }

    /// <summary>The worker process's exit code (128 + signal number when a signal ended it on Unix); null when it is not known.</summary>
    public int? WorkerExitCode { get; }
}

namespace Extism.Sdk;

/// <summary>What kind of failure an <see cref="ExtismException"/> reports.</summary>
public enum ExtismErrorKind
{
    /// <summary>A failure libextism reported that fits no other kind.</summary>
    Unknown = 0,
    /// <summary>The plug-in set an error message (<c>error_set</c>).</summary>
    GuestError,
    /// <summary>The export returned a non-zero code without setting an error message.</summary>
    NonZeroReturnCode,
    /// <summary>The plug-in trapped (for example <c>unreachable</c> or an out-of-bounds access).</summary>
    Trap,
    /// <summary>The manifest's timeout expired.</summary>
    Timeout,
    /// <summary>The call used up its fuel limit.</summary>
    FuelExhausted,
    /// <summary>The plug-in grew its memory past the manifest's <c>memory.max_pages</c>.</summary>
    OutOfMemory,
    /// <summary>A WASI plug-in called <c>proc_exit</c> with a non-zero status.</summary>
    GuestExit,
    /// <summary>A host function threw; the original exception is the <see cref="Exception.InnerException"/>.</summary>
    HostFunction,
    /// <summary>The export does not exist in the plug-in's main module.</summary>
    FunctionNotFound,
    /// <summary>Creating a plug-in or compiled plug-in failed (compile, link or instantiate).</summary>
    Creation,
    /// <summary>
    /// A <see cref="PluginPool"/> call was interrupted by other callers' cancellations or timeouts
    /// more often than <see cref="PluginPoolOptions.MaxInterruptionRetries"/> allows (the last
    /// <see cref="ExtismTimeoutException"/> is the inner exception). A call's own cancellation, by
    /// its token or <see cref="Plugin.Cancel"/>, is not reported with this kind: it throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    Cancelled,
    /// <summary>
    /// The call's output, as the plug-in's Extism kernel reports it, lies outside the plug-in's
    /// memory: the plug-in overwrote the kernel's bookkeeping (for example the output length) in
    /// its memory. Nothing outside the plug-in's memory was read; the instance is not used again
    /// (a self-healing plug-in gets a fresh one).
    /// </summary>
    InvalidOutput,
    /// <summary>
    /// One of libextism's own imports that the plug-in called (<c>config_get</c>, <c>var_get</c>,
    /// <c>var_set</c>, <c>http_request</c>, <c>log_*</c>) refused it, for a cause the SDK could not
    /// read: libextism writes the cause only to its log, so this kind is reported unless
    /// <see cref="Plugin.ConfigureCustomLogging"/> is on (then the kinds below, or this one with
    /// the cause in the message). See docs/security.md.
    /// </summary>
    RuntimeImportFailed,
    /// <summary>
    /// The plug-in's <c>http_request</c> named a host that <see cref="Manifest.AllowedHosts"/> does
    /// not allow. Recognised only with <see cref="Plugin.ConfigureCustomLogging"/> on; otherwise
    /// <see cref="RuntimeImportFailed"/>.
    /// </summary>
    HttpRequestDenied,
    /// <summary>
    /// The plug-in's <c>http_request</c> failed in libextism: its response was larger than
    /// <see cref="MemoryOptions.MaxHttpResponseBytes"/>, its URL was invalid, or it ran past the
    /// call's timeout. Recognised only with <see cref="Plugin.ConfigureCustomLogging"/> on.
    /// </summary>
    HttpRequestFailed,
    /// <summary>
    /// The plug-in's <c>var_set</c> would have grown its vars past <see cref="MemoryOptions.MaxVarBytes"/>
    /// (or vars are disabled with 0). Recognised only with <see cref="Plugin.ConfigureCustomLogging"/> on.
    /// </summary>
    VarStoreFull,
    /// <summary>
    /// The plug-in passed libextism's imports an offset that is not the start of one of its memory
    /// blocks (a bad <c>config_get</c>, <c>var_*</c>, <c>http_request</c> or <c>log_*</c> handle).
    /// Recognised only with <see cref="Plugin.ConfigureCustomLogging"/> on.
    /// </summary>
    InvalidHandle,
    /// <summary>
    /// The worker process running the plug-in (<see cref="IsolatedPluginPool"/>) died or was
    /// killed during the call; the exception is an <see cref="ExtismWorkerException"/> whose
    /// <see cref="ExtismWorkerException.Reason"/> says why. Only that worker's call is affected.
    /// </summary>
    WorkerDied = 18,
}

/// <summary>
/// A failure reported by libextism or by the plug-in. <see cref="Kind"/> says what happened and
/// <see cref="ReturnCode"/> carries the code libextism returned, when there was one.
/// </summary>
public class ExtismException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public ExtismException() { }

    /// <summary>Creates an exception with a message.</summary>
    public ExtismException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public ExtismException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates an exception carrying what is known about the failure.</summary>
    public ExtismException(string message, ExtismErrorKind kind, int? returnCode, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ReturnCode = returnCode;
    }

    /// <summary>What kind of failure this is.</summary>
    public ExtismErrorKind Kind { get; }

    /// <summary>
    /// The code <c>extism_plugin_call</c> returned (the export's own return value, a WASI exit
    /// status, 134 for traps and timeouts, -1 for runtime errors); null when no call returned one.
    /// </summary>
    public int? ReturnCode { get; }

    /// <summary>The WASI exit status for <see cref="ExtismErrorKind.GuestExit"/>, otherwise the return code.</summary>
    public int? ExitCode => ReturnCode;
}

/// <summary>The manifest's <c>timeout_ms</c> expired during the call. The message is "timeout".</summary>
public sealed class ExtismTimeoutException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    public ExtismTimeoutException(string message, int? returnCode) : base(message, ExtismErrorKind.Timeout, returnCode) { }
}

/// <summary>The call ran out of fuel.</summary>
public sealed class ExtismFuelExhaustedException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    public ExtismFuelExhaustedException(string message, int? returnCode) : base(message, ExtismErrorKind.FuelExhausted, returnCode) { }
}

/// <summary>The plug-in trapped.</summary>
public sealed class ExtismTrapException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    public ExtismTrapException(string message, int? returnCode) : base(message, ExtismErrorKind.Trap, returnCode) { }
}

/// <summary>The plug-in exceeded its memory limit.</summary>
public sealed class ExtismOutOfMemoryException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    public ExtismOutOfMemoryException(string message, int? returnCode) : base(message, ExtismErrorKind.OutOfMemory, returnCode) { }
}

/// <summary>A WASI plug-in exited with a non-zero status; <see cref="ExtismException.ExitCode"/> holds it.</summary>
public sealed class ExtismExitException : ExtismException
{
    /// <summary>Creates the exception.</summary>
    public ExtismExitException(string message, int exitCode) : base(message, ExtismErrorKind.GuestExit, exitCode) { }
}

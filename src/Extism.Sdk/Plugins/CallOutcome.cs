using System.Runtime.InteropServices;

namespace Extism.Sdk;

/// <summary>
/// What a finished call means: which exception a failure is (<see cref="ToException"/>) and
/// whether it leaves the instance unfit for further calls (<see cref="PoisonsInstance"/>). The one
/// place for both decisions; <see cref="Plugin"/> and <see cref="PluginPool"/> use them alike.
/// </summary>
internal static unsafe class CallOutcome
{
    private const string BacktracePrefix = "error while executing at wasm backtrace";

    /// <summary>
    /// Builds the exception for a failed call from libextism's code and error text and the call's
    /// host-function record. Must run under the plug-in's lock, right after the call (the error
    /// pointer dies at the plug-in's next operation). <c>cancelRequested</c>: Plugin.Cancel or the
    /// call's token asked for an interruption during the call.
    /// </summary>
    internal static Exception ToException(string functionName, int rc, byte* error, CallContext context, bool cancelRequested, CancellationToken cancellationToken)
    {
        string? message = error is null ? null : Marshal.PtrToStringUTF8((IntPtr)error);
        if (context.Failed)
        {
            // Whatever libextism says (a type error, a timeout from our own stop), the cause is the host function.
            Exception inner = context.HostException!;
            return new ExtismException(
                $"Host function '{context.FailedFunction}' threw {inner.GetType().Name} while plug-in function '{functionName}' was running: {inner.Message}",
                ExtismErrorKind.HostFunction, rc, inner);
        }
        // An interrupt reports "timeout" from the export, or breaks libextism's lazy instantiation
        // at the call's start (LateCancel.IsInterruptedInstantiation); either is a cancel if one was asked for.
        bool interrupted = rc == 134 && message == "timeout";
        if ((interrupted || (rc == -1 && LateCancel.IsInterruptText(message))) && cancelRequested)
        {
            return cancellationToken.IsCancellationRequested
                ? new OperationCanceledException($"The call to '{functionName}' was cancelled.", cancellationToken)
                : new OperationCanceledException($"The call to '{functionName}' was cancelled by Plugin.Cancel().");
        }
        if (interrupted) return new ExtismTimeoutException("timeout", rc);
        if (message is null) return new ExtismException($"Plug-in function '{functionName}' returned non-zero code {rc}.", ExtismErrorKind.NonZeroReturnCode, rc);
        if (message == "plugin ran out of fuel") return new ExtismFuelExhaustedException(message, rc);
        if (message == "oom" || message.StartsWith("failed to allocate extism memory", StringComparison.Ordinal)) return new ExtismOutOfMemoryException(message, rc);
        if (rc == -1 && message.StartsWith("Function not found", StringComparison.Ordinal))
        {
            return new ExtismException($"{message} (the plug-in has no callable export '{functionName}').", ExtismErrorKind.FunctionNotFound, rc);
        }
        // A WASI proc_exit(N) returns N with wasmtime's backtrace text (the exit status itself is
        // not in it); a guest that sets its own error message does not produce that text.
        if (rc is not (-1 or 0 or 134) && message.StartsWith(BacktracePrefix, StringComparison.Ordinal))
        {
            return new ExtismExitException($"Plug-in function '{functionName}' exited with status {rc}. {message}", rc);
        }
        if (rc == 134) return new ExtismTrapException(message, rc);
        if (rc != -1)
        {
            // The guest set an error (possibly while returning 0, which alone would look like success).
            string text = message.Length == 0 ? $"Plug-in function '{functionName}' set an empty error message (code {rc})." : message;
            return new ExtismException(text, ExtismErrorKind.GuestError, rc);
        }
        // rc -1 with only a wasm backtrace and no failed host function of ours: one of libextism's
        // own imports returned an error (its "Caused by" layer is not in the error string), or,
        // on an instance's first call, its lazy instantiation failed (RuntimeImportFailures).
        if (rc == -1 && message.StartsWith(BacktracePrefix, StringComparison.Ordinal))
        {
            Native.PluginHandle instance = context.Plugin.CurrentInstance;
            return RuntimeImportFailures.ToException(functionName, message, rc, instance.Id, firstCall: instance.CallsFinished <= 1);
        }
        return new ExtismException(message, ExtismErrorKind.Unknown, rc);
    }

    /// <summary>
    /// True when <paramref name="failure"/> aborted guest code mid-flight, or the instance is gone:
    /// trap, timeout, cancel (token, <see cref="Plugin.Cancel"/> or a sibling's), fuel, out of
    /// memory, a failed host function, a WASI exit, and anything unknown. A guest compiled from
    /// Rust, C, Go, Zig or AssemblyScript keeps frames on a shadow stack in linear memory that such
    /// a call never pops, so the instance must not be trusted again. Not poisoning: the guest
    /// returned on its own (an error it set, a non-zero code), or it was never entered (a missing
    /// export), and any exception that is not the call's own outcome (a consumer's JSON error, a
    /// re-entry refusal, bad arguments).
    /// </summary>
    /// <remarks>
    /// <see cref="ExtismErrorKind.GuestExit"/> poisons on purpose: <c>proc_exit</c> unwinds the guest
    /// from wherever it called it, leaving its frames behind exactly like a trap, and libextism
    /// only rebuilds the store after a <c>_start</c> call, not after an exported function exits.
    /// </remarks>
    internal static bool PoisonsInstance(Exception failure) => failure switch
    {
        OperationCanceledException or ObjectDisposedException => true,
        ExtismException x => x.Kind is not (ExtismErrorKind.GuestError or ExtismErrorKind.NonZeroReturnCode or ExtismErrorKind.FunctionNotFound),
        _ => false,
    };

    /// <summary>
    /// The reason a poisoned instance was recycled, as metrics write it: the snake_case name of the
    /// <see cref="ExtismErrorKind"/>, or <c>cancelled</c> for a cancelled call.
    /// </summary>
    internal static string ReasonName(Exception failure) => failure switch
    {
        OperationCanceledException => "cancelled",
        ExtismException x => ReasonName(x.Kind),
        _ => "unknown",
    };

    /// <summary>The snake_case name of <paramref name="kind"/> (metrics' <c>extism.reason</c>).</summary>
    internal static string ReasonName(ExtismErrorKind kind) => kind switch
    {
        ExtismErrorKind.GuestError => "guest_error",
        ExtismErrorKind.NonZeroReturnCode => "non_zero_return_code",
        ExtismErrorKind.Trap => "trap",
        ExtismErrorKind.Timeout => "timeout",
        ExtismErrorKind.FuelExhausted => "fuel_exhausted",
        ExtismErrorKind.OutOfMemory => "out_of_memory",
        ExtismErrorKind.GuestExit => "guest_exit",
        ExtismErrorKind.HostFunction => "host_function",
        ExtismErrorKind.FunctionNotFound => "function_not_found",
        ExtismErrorKind.Creation => "creation",
        ExtismErrorKind.Cancelled => "cancelled",
        ExtismErrorKind.InvalidOutput => "invalid_output",
        ExtismErrorKind.RuntimeImportFailed => "runtime_import_failed",
        ExtismErrorKind.HttpRequestDenied => "http_request_denied",
        ExtismErrorKind.HttpRequestFailed => "http_request_failed",
        ExtismErrorKind.VarStoreFull => "var_store_full",
        ExtismErrorKind.InvalidHandle => "invalid_handle",
        _ => "unknown",
    };
}

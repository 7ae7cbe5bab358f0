namespace Extism.Sdk;

/// <summary>
/// Names the cause when one of libextism's own imports (config_get, var_get/var_set,
/// http_request, log_*) refused a plug-in's call. libextism's error string keeps only wasmtime's
/// backtrace layer; the cause ("Variable store is full", "HTTP request to ... is not allowed",
/// "invalid handle offset ...") is in the "Caused by" part of the one ERROR line it logs for the
/// call (plugin.rs raw_call: "call to {name} encountered an error: {e:?}"). So the cause is
/// recovered only when the process uses the custom log sink (ProcessLogging), which the SDK can
/// read without taking lines from the application's own drain.
/// </summary>
internal static class RuntimeImportFailures
{
    /// <summary>
    /// The exception for an rc of -1 with only a wasm backtrace; <paramref name="instanceId"/> is
    /// the native instance the call ran on. On an instance's first call (<paramref name="firstCall"/>)
    /// the same text also comes from libextism's lazy instantiation of the main module (a start
    /// function or <c>_initialize</c> that trapped or ran out of fuel), which logs no entry: then
    /// only a logged cause decides, and without one the kind stays <see cref="ExtismErrorKind.Unknown"/>.
    /// </summary>
    internal static ExtismException ToException(string functionName, string message, int rc, Guid instanceId, bool firstCall)
    {
        string? cause = ProcessLogging.TakeCallFailureCause(instanceId, functionName);
        if (cause is null && firstCall)
        {
            return new ExtismException(
                $"Plug-in function '{functionName}' failed before or while running, on the instance's first call: libextism's lazy instantiation " +
                "(the main module's start function or _initialize) or one of its own imports failed; libextism gives the cause only in its log. " + message,
                ExtismErrorKind.Unknown, rc);
        }
        if (cause is null)
        {
            return new ExtismException(
                $"Plug-in function '{functionName}' called one of libextism's own imports (config_get, var_get/var_set, http_request, log_*), which refused it. " +
                "libextism gives the cause only in its log: with Plugin.ConfigureCustomLogging on, it is named here. " + message,
                ExtismErrorKind.RuntimeImportFailed, rc);
        }
        return new ExtismException($"Plug-in function '{functionName}' was stopped by libextism: {cause}", Classify(cause), rc);
    }

    /// <summary>The kind for libextism's cause text (runtime/src/pdk.rs); <see cref="ExtismErrorKind.RuntimeImportFailed"/> when unknown.</summary>
    internal static ExtismErrorKind Classify(string cause)
    {
        if (cause.StartsWith("HTTP request to ", StringComparison.Ordinal) && cause.EndsWith("is not allowed", StringComparison.Ordinal)) return ExtismErrorKind.HttpRequestDenied;
        if (cause is "Variable store is full" or "Vars are disabled by this host") return ExtismErrorKind.VarStoreFull;
        if (cause.StartsWith("invalid handle offset", StringComparison.Ordinal) || cause.StartsWith("http_request input is invalid", StringComparison.Ordinal)) return ExtismErrorKind.InvalidHandle;
        if (cause.StartsWith("HTTP response exceeds the configured maximum", StringComparison.Ordinal) || cause.StartsWith("Invalid URL", StringComparison.Ordinal) || cause == "timeout")
        {
            return ExtismErrorKind.HttpRequestFailed;
        }
        return ExtismErrorKind.RuntimeImportFailed;
    }

    /// <summary>
    /// The root cause in one libextism log entry: the last line of its anyhow "Caused by:" list,
    /// without the list's "N: " numbering and the tracing fields that follow the message.
    /// </summary>
    internal static string? RootCause(string entry, Guid instanceId)
    {
        int causedBy = entry.LastIndexOf("Caused by:", StringComparison.Ordinal);
        if (causedBy < 0) return null;
        string tail = entry[(causedBy + "Caused by:".Length)..];
        string field = $" plugin=\"{instanceId}\"";
        int at = tail.LastIndexOf(field, StringComparison.Ordinal);
        if (at >= 0) tail = tail[..at];
        // With RUST_BACKTRACE set, the entry goes on with the Rust stack after the causes.
        int stack = tail.IndexOf("\nStack backtrace:", StringComparison.Ordinal);
        if (stack >= 0) tail = tail[..stack];
        string? last = null;
        foreach (string raw in tail.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).IndexOfAnyExceptInRange('0', '9') < 0) line = line[(colon + 2)..];
            last = line;
        }
        return last;
    }
}

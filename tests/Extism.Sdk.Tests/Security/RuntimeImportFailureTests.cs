using Extism.Sdk.Tests.Loading;
using Xunit;

namespace Extism.Sdk.Tests.Security;

/// <summary>
/// libextism's own imports refusing a plug-in (a host not allowed, the var store full or off, a
/// handle that is no block): the error string keeps only a wasm backtrace, the cause is in
/// libextism's log. Each case runs real guests in a child process, because a process has one log sink.
/// </summary>
public class RuntimeImportFailureTests
{
    [Fact]
    public void WithCustomLogging_EachCauseHasItsKindAndItsText_AndTheLogLinesStillReachTheApplication()
    {
        var result = ChildProcess.Run("import-failures");
        AssertKind(result, "http-denied", ExtismErrorKind.HttpRequestDenied, "HTTP request to http://127.0.0.1:9/ is not allowed");
        AssertKind(result, "var-full", ExtismErrorKind.VarStoreFull, "Variable store is full");
        AssertKind(result, "vars-disabled", ExtismErrorKind.VarStoreFull, "Vars are disabled by this host");
        AssertKind(result, "bad-handle", ExtismErrorKind.InvalidHandle, "invalid handle offset for config key: 12345");
        Assert.Equal("4", result["drained"][0]); // the SDK read them, and the application's drain still gets them
    }

    [Fact]
    public void WithoutCustomLogging_TheCauseIsLost_AndTheKindSaysWhereItFailed()
    {
        var result = ChildProcess.Run("import-failures", null, "no-log");
        foreach (string name in new[] { "http-denied", "var-full", "vars-disabled", "bad-handle" })
        {
            AssertKind(result, name, ExtismErrorKind.RuntimeImportFailed, "ConfigureCustomLogging");
        }
    }

    [Theory]
    [InlineData("HTTP request to https://evil.example/ is not allowed", ExtismErrorKind.HttpRequestDenied)]
    [InlineData("HTTP response exceeds the configured maximum number of bytes: 1048576", ExtismErrorKind.HttpRequestFailed)]
    [InlineData("Invalid URL: RelativeUrlWithoutBase", ExtismErrorKind.HttpRequestFailed)]
    [InlineData("timeout", ExtismErrorKind.HttpRequestFailed)]
    [InlineData("Variable store is full", ExtismErrorKind.VarStoreFull)]
    [InlineData("invalid handle offset for var value: 8", ExtismErrorKind.InvalidHandle)]
    [InlineData("http_request input is invalid: 3", ExtismErrorKind.InvalidHandle)]
    [InlineData("http://127.0.0.1:9/: Connection Failed: Connect error: Connection refused (os error 111)", ExtismErrorKind.RuntimeImportFailed)]
    public void EveryCauseTextOfLibextismHasAKind(string cause, ExtismErrorKind kind) => Assert.Equal(kind, RuntimeImportFailures.Classify(cause));

    [Fact]
    public void TheRootCauseIsFound_WhenRustBacktraceAddsTheStackToTheEntry()
    {
        // The shape libextism 1.41.0 logs with RUST_BACKTRACE=1 (set on many developer machines).
        var id = Guid.NewGuid();
        string entry = "2026-12-05T16:21:10.186767Z ERROR extism::plugin: call to http_get encountered an error: error while executing at wasm backtrace:\n" +
            "    0:    0x47f - <unknown>!get_input_url\n    1:    0x209 - <unknown>!http_get\n\nCaused by:\n" +
            "    HTTP request to http://127.0.0.1:9/ is not allowed\n\nStack backtrace:\n" +
            "   0: wasmtime_internal_core::error::backtrace::capture\n   1: <unknown>\n" +
            $" plugin=\"{id}\"";
        Assert.Equal("HTTP request to http://127.0.0.1:9/ is not allowed", RuntimeImportFailures.RootCause(entry, id));
    }

    private static void AssertKind(Dictionary<string, List<string>> result, string name, ExtismErrorKind kind, string text)
    {
        string[] parts = result[name][0].Split('|', 3);
        Assert.True(parts.Length == 3, result[name][0]);
        Assert.Equal(kind.ToString(), parts[0]);
        Assert.Equal("-1", parts[1]);
        Assert.Contains(text, parts[2]);
    }
}

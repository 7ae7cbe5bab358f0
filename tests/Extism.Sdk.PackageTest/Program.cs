// Runs the packed Extism packages the way an application would, and fails (exit code 1) on any
// difference from what the test plug-ins are documented to do (tests/plugins/README.md).
using System.Text;
using Extism.Sdk;
using Extism.Sdk.Extensions.Logging;
using Extism.Sdk.Native;
using Microsoft.Extensions.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

var failures = new List<string>();
void Expect(string what, object? expected, object? actual)
{
    if (!Equals(expected, actual)) failures.Add($"{what}: expected <{expected}>, got <{actual}>");
}

string plugins = Path.Combine(AppContext.BaseDirectory, "plugins");

// 1. The native library must come from the runtime package, i.e. from the app's own output.
ExtismRuntime.EnsureLoaded();
Console.WriteLine($"libextism {ExtismRuntime.Version} from {ExtismRuntime.LibraryPath}");
if (!ExtismRuntime.LibraryPath.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal))
{
    failures.Add($"libextism was loaded from {ExtismRuntime.LibraryPath}, not from the app's output (the runtime package)");
}

// 2. A plain plug-in call, twice: the second shows the per-instance var survived.
using (var countVowels = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "count_vowels.wasm"))), [], withWasi: false))
{
    Expect("count_vowels #1", """{"count":3,"total":3,"vowels":"aeiouAEIOU"}""", countVowels.Call("count_vowels", "Hello, World!"));
    Expect("count_vowels #2", """{"count":10,"total":13,"vowels":"aeiouAEIOU"}""", countVowels.Call("count_vowels", "AEIOU aeiou xyz"));
}

// 3. Host functions with user data: kv.wasm keeps a counter in a store the host owns.
var store = new Dictionary<string, string>();
HostFunction kvRead = new("kv_read", [ExtismValType.I64], [ExtismValType.I64], store, (plugin, inputs, outputs) =>
{
    var kv = plugin.GetUserData<Dictionary<string, string>>()!;
    string key = plugin.ReadString(inputs[0].v.i64);
    outputs[0].v.i64 = kv.TryGetValue(key, out string? value) ? plugin.WriteString(value) : 0;
});
HostFunction kvWrite = new("kv_write", [ExtismValType.I64, ExtismValType.I64], [], store, (plugin, inputs, _) =>
{
    var kv = plugin.GetUserData<Dictionary<string, string>>()!;
    kv[plugin.ReadString(inputs[0].v.i64)] = plugin.ReadString(inputs[1].v.i64);
});
using (var kvPlugin = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "kv.wasm"))), [kvRead, kvWrite], withWasi: false))
{
    Expect("kv bump #1", "apples=1", kvPlugin.Call("bump", "apples"));
    Expect("kv bump #2", "apples=2", kvPlugin.Call("bump", "apples"));
    Expect("kv store", "2", store.GetValueOrDefault("apples"));
}

// 4. The logging package: plug-in log calls reach an ILogger with their levels mapped.
var sink = new CapturingProvider();
using (ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(MelLogLevel.Trace)))
using (factory.AddExtismLogForwarding(new ExtismLogForwarderOptions { MinimumLevel = MelLogLevel.Information, DrainInterval = TimeSpan.Zero }))
using (var logging = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "logging.wasm"))), [], withWasi: false))
{
    logging.Call("log_all", ReadOnlySpan<byte>.Empty);
    logging.FlushLogs();
    string got = string.Join(", ", sink.Lines.Where(l => l.Text.EndsWith(" message", StringComparison.Ordinal)).Select(l => $"{l.Level}:{l.Text}"));
    Expect("forwarded logs", "Information:info message, Warning:warn message, Error:error message", got);
}

// 5. The hosting package (HostingCheck.cs).
await HostingCheck.RunAsync(plugins, Expect);
// 6. Typed contracts from the package's source generator (Contracts.cs, kitchen.xtp.yaml).
PackageTest.ContractChecks.Run(plugins, Expect);
#if PACKAGE_TEST_ORLEANS
// 7. The Orleans package: a silo in this process, a grain call by key (OrleansCheck.cs).
await OrleansCheck.RunAsync(plugins, Expect);
const string orleansPart = ", an Orleans silo";
#else
const string orleansPart = "";
#endif

#if PACKAGE_TEST_WORKER
// 8. The worker the package copies next to the app: an isolated pool finds it without configuration.
using (var isolated = new IsolatedPluginPool(new Manifest(new PathWasmSource(Path.Combine(plugins, "count_vowels.wasm"))), options: new IsolatedPluginPoolOptions { MaxWorkers = 1 }))
{
    Expect("isolated count_vowels", """{"count":3,"total":3,"vowels":"aeiouAEIOU"}""", isolated.Call("count_vowels", "Hello, World!"));
    Expect("isolated workers", 1, isolated.Count);
}
const string workerPart = ", an isolated worker";
#else
const string workerPart = "";
#endif

if (failures.Count > 0)
{
    foreach (string failure in failures) Console.Error.WriteLine("FAIL " + failure);
    Console.Error.WriteLine($"package test: {failures.Count} check(s) failed");
    return 1;
}
Console.WriteLine($"package test: OK (Extism.Sdk {typeof(Plugin).Assembly.GetName().Version}, count_vowels, kv host functions, logging forwarded, hosting with reload, generated contracts{orleansPart}{workerPart})");
return 0;

sealed class CapturingProvider : ILoggerProvider
{
    public List<(MelLogLevel Level, string Text)> Lines { get; } = [];
    public ILogger CreateLogger(string categoryName) => new Capturing(this);
    public void Dispose() { }

    private sealed class Capturing(CapturingProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(MelLogLevel logLevel) => true;
        public void Log<TState>(MelLogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Lines) owner.Lines.Add((logLevel, formatter(state, exception)));
        }
    }
}

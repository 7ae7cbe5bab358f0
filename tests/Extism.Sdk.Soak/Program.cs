using System.Diagnostics;
using Extism.Sdk;
using Extism.Sdk.Soak;
using Extism.Sdk.Tests;
using Extism.Sdk.Tests.Resilience;

// build/soak.sh runs this. Phases (full / --quick):
//   cycles  new Plugin, CompiledPlugin.Instantiate and pool rent: create, call, dispose (100,000 / 1,000 each)
//   mixed   calls on one long-lived plug-in, every tenth one failing (1,000,000 / 10,000)
//   matrix  the failure matrix of FailureMatrixTests (5,000 / 40 failing calls per cell)
//   props   the CsCheck properties of PropertyTests (10,000 / 50 cases each)
// Each phase prints RSS, managed heap and leak counts at every tenth, checks the leak counts are
// back at their baseline when it ends, and (full mode) that RSS grew less than 5% from its
// second tenth to its last. Exit code 0 only when every check passed.
bool quick = args.Contains("--quick");
// --scale=F runs F times the full counts (e.g. 0.1 where a full run does not fit the time).
double factor = args.FirstOrDefault(a => a.StartsWith("--scale=", StringComparison.Ordinal)) is { } f
    ? double.Parse(f["--scale=".Length..], System.Globalization.CultureInfo.InvariantCulture)
    : 1.0;
string[] only = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var scale = quick
    ? (Cycles: 1_000L, Mixed: 10_000L, Matrix: 40, Props: 50L)
    : (Cycles: (long)(100_000 * factor), Mixed: (long)(1_000_000 * factor), Matrix: (int)(5_000 * factor), Props: (long)(10_000 * factor));
var results = new List<(string Check, bool Passed, string Detail)>();
var total = Stopwatch.StartNew();

Console.WriteLine($"soak ({(quick ? "quick" : factor == 1.0 ? "full" : $"scale {factor}")}): cycles {scale.Cycles}, mixed {scale.Mixed}, matrix {scale.Matrix}/cell, properties {scale.Props} cases; libextism {Plugin.ExtismVersion()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
// Off in the project file (the JIT's one-time tier-up memory is not what the RSS target is about); say so.
bool tiered = AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out bool on) ? on : true;
if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is { } env) tiered = env != "0";
Console.WriteLine($"  tiered compilation: {(tiered ? "on" : "off (Extism.Sdk.Soak.csproj explains why)")}");
Console.WriteLine($"  start: {Meter.Line()}");
if (!Meter.HasLeakTracker) Console.WriteLine("  note: this SDK build has no LeakTracker; leak counts are not checked");

Run("cycles", () =>
{
    byte[] loop = TestPlugins.Bytes("host_loop");
    byte[] three = BitConverter.GetBytes(3UL);
    using var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => v + 1);
    Cycle("new Plugin", scale.Cycles, () =>
    {
        using var plugin = new Plugin(loop, [addOne], false);
        Expect(BitConverter.ToUInt64(plugin.Call("loop", three)) == 3, "new Plugin: loop(3) != 3");
    });
    using var compiled = new CompiledPlugin(loop, [addOne], false);
    Cycle("Instantiate", scale.Cycles, () =>
    {
        using Plugin plugin = compiled.Instantiate();
        Expect(BitConverter.ToUInt64(plugin.Call("loop", three)) == 3, "Instantiate: loop(3) != 3");
    });
    using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 2 });
    long rents = 0;
    Cycle("pool rent", scale.Cycles, () =>
    {
        using PluginPool.Lease lease = pool.Rent();
        Expect(BitConverter.ToUInt64(lease.Plugin.Call("loop", three)) == 3, "pool: loop(3) != 3");
        if (++rents % 10 == 0) lease.MarkBroken(); // so the pool also creates and disposes instances
    });
});

Run("mixed", () =>
{
    using var op = new HostOp();
    Manifest manifest = CallTarget.ManifestFor(MatrixGuest.C, FailureKind.MemoryLimit);
    using var plugin = new Plugin(manifest, [op.Function], new PluginInitializationOptions { WithWasi = true });
    byte[] input = "mixed"u8.ToArray();
    byte[] tooMany = BitConverter.GetBytes((uint)FailureMatrix.MaxPages * 2);
    var tenths = new Tenths("mixed", scale.Mixed);
    long wrong = 0;
    for (long i = 1; i <= scale.Mixed; i++)
    {
        if (i % 10 != 0)
        {
            op.Prepare(HostOp.Echo, 0);
            if (!plugin.Call("call_host", input).SequenceEqual(input)) wrong++;
        }
        else
        {
            // Rotate through the failures that need no waiting: host throw, trap, exit, out of memory.
            int kind = (int)(i / 10 % 4);
            op.Prepare(kind == 0 ? HostOp.Throw : HostOp.Echo, (int)(i % int.MaxValue));
            try
            {
                plugin.Call(kind switch { 0 => "call_host", 1 => "trap", 2 => "exit_3", _ => "grow" }, kind == 3 ? tooMany : input);
                wrong++;
            }
            catch (Exception e)
            {
                bool right = kind switch
                {
                    0 => e is ExtismException { Kind: ExtismErrorKind.HostFunction, InnerException: InjectedFailureException },
                    1 => e is ExtismTrapException && e.Message.Contains("leaf_trap", StringComparison.Ordinal),
                    2 => e is ExtismExitException { ExitCode: 3 },
                    _ => e is ExtismOutOfMemoryException,
                };
                if (!right)
                {
                    if (wrong++ == 0) Console.WriteLine($"  first wrong outcome at call {i}: {FailureMatrix.Describe(e)}");
                }
            }
        }
        tenths.Step(i);
    }
    Record("mixed: every call right", wrong == 0, $"{wrong} of {scale.Mixed} calls wrong");
    RecordGrowth("mixed", tenths);
});

Run("matrix", () =>
{
    var cells = (from guest in Enum.GetValues<MatrixGuest>()
                 from kind in Enum.GetValues<FailureKind>()
                 where FailureMatrix.Applies(guest, kind)
                 from host in Enum.GetValues<MatrixHost>()
                 select (guest, kind, host)).ToList();
    var tenths = new Tenths("matrix", cells.Count);
    int done = 0, failed = 0;
    foreach ((MatrixGuest guest, FailureKind kind, MatrixHost host) in cells)
    {
        var watch = Stopwatch.StartNew();
        MatrixOutcome outcome = FailureMatrix.Run(guest, kind, host, scale.Matrix);
        if (!outcome.Passed) failed++;
        Console.WriteLine($"  {(outcome.Passed ? "pass" : "FAIL")} {guest,-14} {kind,-18} {host,-16} {watch.Elapsed.TotalSeconds,6:F1} s  {outcome}");
        tenths.Step(++done);
    }
    Record($"matrix: {cells.Count} cells x {scale.Matrix} failing calls", failed == 0, $"{failed} cells failed");
});

Run("props", () =>
{
    (string Name, Action<Action<string>?, long?> Property)[] properties =
    [
        ("manifest objects", ManifestProperties.ManifestObjects),
        ("raw JSON manifests", ManifestProperties.RawJsonManifests),
        ("export names and inputs", CallProperties.ExportsAndInputs),
        ("host-function behaviours", CallProperties.HostBehaviours),
        ("cancel and dispose timings", CallProperties.CancelDisposeTimings),
    ];
    foreach ((string name, Action<Action<string>?, long?> property) in properties)
    {
        Meter.Settle();
        IReadOnlyDictionary<string, long>? before = Meter.LeakValues();
        var watch = Stopwatch.StartNew();
        string summary = "";
        try
        {
            property(line => summary = line, scale.Props);
            Meter.Settle();
            IReadOnlyDictionary<string, long>? after = Meter.LeakValues();
            string drift = before is null || after is null ? "" : string.Join(" ", after.Where(kv => before.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"{kv.Key} {before.GetValueOrDefault(kv.Key)}->{kv.Value}"));
            Record($"property: {name} ({scale.Props} cases)", drift.Length == 0, $"{watch.Elapsed.TotalSeconds:F1} s; {summary}{(drift.Length == 0 ? "" : "; leak drift: " + drift)}");
        }
        catch (Exception e)
        {
            // CsCheck's message holds the seed; the case's own failure is further in.
            string causes = "";
            for (Exception? inner = e.InnerException?.InnerException; inner is not null; inner = inner.InnerException) causes += "\n    caused by " + FailureMatrix.Describe(inner);
            Record($"property: {name} ({scale.Props} cases)", false, e.Message + causes);
        }
        Console.WriteLine($"  [props] {name}: {watch.Elapsed.TotalSeconds:F1} s {Meter.Line()}");
    }
});

Console.WriteLine();
Console.WriteLine($"summary ({total.Elapsed.TotalSeconds:F0} s):");
foreach ((string check, bool passed, string detail) in results) Console.WriteLine($"  {(passed ? "PASS" : "FAIL")}  {check}: {detail}");
bool allPassed = results.All(r => r.Passed);
Console.WriteLine(allPassed ? "soak: PASS" : "soak: FAIL");
return allPassed ? 0 : 1;

// Runs a phase unless other phases were named, and checks the leak counts after it.
void Run(string phase, Action body)
{
    if (only.Length > 0 && !only.Contains(phase)) return;
    Meter.Settle();
    IReadOnlyDictionary<string, long>? before = Meter.LeakValues();
    Console.WriteLine($"== {phase}: {Meter.Line()}");
    try
    {
        body();
    }
    catch (Exception e)
    {
        Record($"{phase}: ran to the end", false, FailureMatrix.Describe(e));
    }
    Meter.Settle();
    IReadOnlyDictionary<string, long>? after = Meter.LeakValues();
    Console.WriteLine($"== {phase} done: {Meter.Line()}");
    if (before is not null && after is not null)
    {
        string drift = string.Join(" ", after.Where(kv => before.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"{kv.Key} {before.GetValueOrDefault(kv.Key)}->{kv.Value}"));
        Record($"{phase}: leak counts back at baseline", drift.Length == 0, drift.Length == 0 ? Meter.Leaks() : drift);
    }
}

void Cycle(string name, long count, Action once)
{
    var tenths = new Tenths(name, count);
    for (long i = 1; i <= count; i++)
    {
        once();
        tenths.Step(i);
    }
    RecordGrowth(name, tenths);
}

void RecordGrowth(string name, Tenths tenths)
{
    double? growth = tenths.Growth;
    string text = growth is null ? "too few tenths" : $"{growth:+0.0;-0.0}% RSS from the second tenth to the last (target < 5%)";
    if (quick) Console.WriteLine($"  {name}: {text} (not judged in --quick)");
    else Record($"{name}: RSS growth", growth is < 5, text);
    if (tenths.TrimmedGrowth is { } trimmed) Console.WriteLine($"  {name}: {trimmed:+0.0;-0.0}% RSS after malloc_trim from the second tenth to the last (diagnostic, not judged)");
}

void Record(string check, bool passed, string detail)
{
    results.Add((check, passed, detail));
    Console.WriteLine($"  {(passed ? "PASS" : "FAIL")}  {check}: {detail}");
}

static void Expect(bool condition, string what)
{
    if (!condition) throw new InvalidOperationException(what);
}

// Runs every documentation snippet and compares what it printed with expected/<name>.txt.
//   dotnet run -- [--update] [name...]
// --update rewrites the expected files (review the diff before committing). Exit code 1 when a
// snippet threw or printed something else, so CI fails on a snippet that no longer matches.
using System.Text;
using Extism.Docs.Snippets;

var snippets = new (string Name, Func<Task> Run)[]
{
    ("getting-started", GettingStarted.RunAsync),
    ("typed-contract", TypedContract.RunAsync),
    ("host-functions", HostFunctions.RunAsync),
    ("failures", Failures.RunAsync),
    ("concurrency", Concurrency.RunAsync),
    ("manifests", Manifests.RunAsync),
    ("registry", Registry.RunAsync),
    ("isolation", Isolation.RunAsync),
};

bool update = args.Contains("--update");
string[] only = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
string expectedDir = Path.Combine(AppContext.BaseDirectory, "expected");
if (args.FirstOrDefault(a => a.StartsWith("--expected=", StringComparison.Ordinal)) is { } dir)
    expectedDir = dir["--expected=".Length..];
Directory.SetCurrentDirectory(AppContext.BaseDirectory); // snippets open wasm files by name

int failed = 0;
TextWriter console = Console.Out;
foreach (var (name, run) in snippets)
{
    if (only.Length > 0 && !only.Contains(name)) continue;
    var captured = new StringWriter { NewLine = "\n" };
    Console.SetOut(captured);
    string? error = null;
    try { await run(); }
    catch (Exception e) { error = $"{e.GetType().Name}: {e.Message}"; }
    finally { Console.SetOut(console); }

    string actual = captured.ToString();
    string path = Path.Combine(expectedDir, name + ".txt");
    if (error is null && update)
    {
        File.WriteAllText(path, actual, new UTF8Encoding(false));
        console.WriteLine($"updated {name}");
        continue;
    }
    string? expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
    if (error is not null) { failed++; console.WriteLine($"FAIL {name}: threw {error}"); }
    else if (expected is null) { failed++; console.WriteLine($"FAIL {name}: no {path} (run with --update)"); }
    else if (expected != actual)
    {
        failed++;
        console.WriteLine($"FAIL {name}: output differs from {path}");
        console.WriteLine("--- expected\n" + expected + "--- actual\n" + actual + "---");
    }
    else console.WriteLine($"ok   {name}");
}
console.WriteLine(failed == 0 ? "snippets: all passed" : $"snippets: {failed} failed");
return failed == 0 ? 0 : 1;

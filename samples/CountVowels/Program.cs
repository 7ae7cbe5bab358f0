// Loads count_vowels.wasm and prints what its count_vowels export returns for each argument.
using Extism.Sdk;

string[] inputs = args.Length > 0 ? args : ["Hello World"];
string wasm = Path.Combine(AppContext.BaseDirectory, "count_vowels.wasm");

using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), [], withWasi: false);
foreach (string input in inputs)
{
    // The plug-in keeps a running total in a var, so "total" grows from one call to the next.
    Console.WriteLine(plugin.Call("count_vowels", input));
}

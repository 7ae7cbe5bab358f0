using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class Concurrency
{
    public static async Task RunAsync()
    {
        // <pool>
        // Compile once; the pool hands each caller an instance of its own.
        // (A Plugin is safe to share, but runs one call at a time.)
        var manifest = new Manifest(new PathWasmSource("count_vowels.wasm"));
        using var compiled = new CompiledPlugin(manifest, [], withWasi: true);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 4 });

        string[] inputs = ["a", "ab", "abe", "abei", "abeio", "abeiou", "xyz", "eee"];
        string[] outputs = await Task.WhenAll(
            inputs.Select(text => pool.CallAsync("count_vowels", text)));
        Console.WriteLine($"{outputs.Length} calls, first: {outputs[0]}");
        // </pool>
    }
}

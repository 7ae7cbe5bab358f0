using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class GettingStarted
{
    public static Task RunAsync()
    {
        // <first-call>
        var manifest = new Manifest(new PathWasmSource("count_vowels.wasm"));
        using var plugin = new Plugin(manifest, [], withWasi: true);
        string output = plugin.Call("count_vowels", "Hello, World!");
        Console.WriteLine(output);
        // </first-call>
        return Task.CompletedTask;
    }
}

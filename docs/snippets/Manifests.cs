using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class Manifests
{
    public static Task RunAsync()
    {
        // <locked-down>
        var manifest = new Manifest(new PathWasmSource("count_vowels.wasm"))
        {
            Timeout = TimeSpan.FromSeconds(1),          // a call running longer is interrupted
            MemoryOptions = new MemoryOptions { MaxPages = 16 }, // 16 x 64 KiB of linear memory
            AllowedHosts = [],                           // no HTTP from the guest
            AllowedPaths = new Dictionary<string, string>(), // no files
        };
        using var plugin = new Plugin(manifest, [], withWasi: false);
        Console.WriteLine(plugin.Call("count_vowels", "Hello, World!"));
        // </locked-down>
        return Task.CompletedTask;
    }
}

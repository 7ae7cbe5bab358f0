using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class Manifests
{
    public static Task RunAsync()
    {
        // <locked-down>
        var manifest = new Manifest(new PathWasmSource("count_vowels.wasm"))
        {
            // A call running longer is interrupted (ExtismTimeoutException).
            Timeout = TimeSpan.FromSeconds(1),
            // At most 16 x 64 KiB of linear memory.
            MemoryOptions = new MemoryOptions { MaxPages = 16 },
            // No HTTP and no files: the defaults, spelled out.
            AllowedHosts = [],
            AllowedPaths = new Dictionary<string, string>(),
        };
        using var plugin = new Plugin(manifest, [], withWasi: false);
        Console.WriteLine(plugin.Call("count_vowels", "Hello, World!"));
        // </locked-down>
        return Task.CompletedTask;
    }
}

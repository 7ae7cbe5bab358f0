using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class Failures
{
    public static Task RunAsync()
    {
        // <kinds>
        var manifest = new Manifest(new PathWasmSource("outcomes.wasm"))
        {
            Timeout = TimeSpan.FromMilliseconds(200),
        };
        using var plugin = new Plugin(manifest, [], withWasi: false);

        string[] exports = ["fail_with_message", "trap", "spin", "no_such_export"];
        foreach (string export in exports)
        {
            try
            {
                plugin.Call(export, "");
            }
            catch (ExtismException e)
            {
                Console.WriteLine($"{export}: {e.Kind}");
            }
        }
        // The same instance still answers after each of these failures.
        Console.WriteLine(plugin.FunctionExists("trap"));
        // </kinds>
        return Task.CompletedTask;
    }
}

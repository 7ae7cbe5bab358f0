using Extism.Sdk;

namespace Extism.Docs.Snippets;

internal static class Registry
{
    public static async Task RunAsync()
    {
        // <registry>
        // The resolver turns a key into a plug-in definition; here every tenant's
        // key names a wasm file (a real service would read a store or a database).
        PluginResolver resolver = async (key, cancellationToken) =>
        {
            string file = key.Split('/')[1] + ".wasm";
            byte[] wasm = await File.ReadAllBytesAsync(file, cancellationToken);
            return new PluginDefinition(wasm);
        };
        using var registry = new PluginRegistry(resolver, new PluginRegistryOptions
        {
            MaxLiveInstances = 100,
            MemoryBudget = 256L << 20, // 256 MiB, estimated
        });

        string a = await registry.CallAsync("alice/count_vowels", "count_vowels", "Hello");
        string b = await registry.CallAsync("bob/count_vowels", "count_vowels", "Hi");
        Console.WriteLine(a);
        Console.WriteLine(b);
        Console.WriteLine(registry.IsCompiled("alice/count_vowels"));
        // </registry>
    }
}

using Extism.Sdk;

/// <summary>PluginRegistry scenarios that change process-wide state (EXTISM_CACHE_CONFIG).</summary>
internal static class RegistryScenarios
{
    /// <summary>
    /// registry-cache &lt;plugins&gt; &lt;directory&gt; &lt;other directory&gt;: a registry with a disk cache in
    /// the directory compiles one plug-in; prints what native code sees in the variable, how long
    /// the compilation took, how many files wasmtime wrote, and what a second registry asking for
    /// another directory gets.
    /// </summary>
    internal static int Cache(string[] args)
    {
        string directory = args[2];
        byte[] wasm = File.ReadAllBytes(Path.Combine(args[1], "count_vowels.wasm"));
        var started = System.Diagnostics.Stopwatch.StartNew();
        using (var registry = new PluginRegistry((_, _) => ValueTask.FromResult(new PluginDefinition(wasm) ),
            new PluginRegistryOptions { CompilationCache = new CompilationCacheOptions { Directory = directory } }))
        {
            string output = registry.CallAsync("cv", "count_vowels", "Hello World").GetAwaiter().GetResult();
            Console.WriteLine($"output: {output}");
            Console.WriteLine($"compile-ms: {started.Elapsed.TotalMilliseconds:F1}");
        }
        Console.WriteLine($"variable: {Environment.GetEnvironmentVariable("EXTISM_CACHE_CONFIG")}");
        Console.WriteLine($"files: {Directory.GetFiles(Path.Combine(directory, "wasmtime"), "*", SearchOption.AllDirectories).Length}");
        try
        {
            using var other = new PluginRegistry((_, _) => throw new InvalidOperationException(),
                new PluginRegistryOptions { CompilationCache = new CompilationCacheOptions { Directory = args[3] } });
            Console.WriteLine("conflict: none");
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"conflict: {e.Message}");
        }
        return 0;
    }
}

namespace Extism.Sdk.Contracts.Tests;

internal static class Plugins
{
    internal static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "plugins", name + ".wasm");

    internal static Plugin Load(string name, params HostFunction[] functions) => new(File.ReadAllBytes(PathOf(name)), functions, withWasi: false);

    internal static Manifest Manifest(string name) => new(new PathWasmSource(PathOf(name)));
}

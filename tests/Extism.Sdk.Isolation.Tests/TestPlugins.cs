namespace Extism.Sdk.Isolation.Tests;

/// <summary>The test plug-ins from tests/plugins/wasm, copied next to the tests.</summary>
internal static class TestPlugins
{
    internal static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "plugins", name + ".wasm");

    internal static Manifest Manifest(string name) => new(new PathWasmSource(PathOf(name)));
}

using Extism.Sdk;

namespace Extism.Sdk.Tests;

/// <summary>The test plug-ins from tests/plugins (built by tests/plugins/build.sh), copied next to the tests.</summary>
internal static class TestPlugins
{
    internal static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "plugins");

    internal static string PathOf(string name) => Path.Combine(Directory, name + ".wasm");

    internal static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    internal static Manifest Manifest(string name) => new(new PathWasmSource(PathOf(name)));

    internal static Plugin Load(string name, bool withWasi = false, params HostFunction[] functions)
        => new(Bytes(name), functions, withWasi);
}

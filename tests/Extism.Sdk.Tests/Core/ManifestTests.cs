using System.Text;
using System.Text.Json;
using Xunit;

namespace Extism.Sdk.Tests.Core;

public class ManifestTests
{
    [Fact]
    public void JsonHasTheRuntimeSchemaAndLeavesUnsetMembersOut()
    {
        var manifest = new Manifest(new PathWasmSource(TestPlugins.PathOf("echo"), "main"))
        {
            MemoryOptions = new MemoryOptions { MaxPages = 3 },
            Timeout = TimeSpan.FromMilliseconds(1.5),
        };
        manifest.Config["k"] = "v";
        using JsonDocument doc = JsonDocument.Parse(manifest.ToJson());
        JsonElement root = doc.RootElement;
        Assert.Equal(TestPlugins.PathOf("echo"), root.GetProperty("wasm")[0].GetProperty("path").GetString());
        Assert.Equal("main", root.GetProperty("wasm")[0].GetProperty("name").GetString());
        Assert.False(root.GetProperty("wasm")[0].TryGetProperty("hash", out _));
        Assert.Equal(3, root.GetProperty("memory").GetProperty("max_pages").GetInt32());
        Assert.False(root.GetProperty("memory").TryGetProperty("max_var_bytes", out _));
        Assert.False(root.GetProperty("memory").TryGetProperty("max_http_response_bytes", out _));
        Assert.Equal(2, root.GetProperty("timeout_ms").GetInt32()); // rounded up, never 0
        Assert.Equal("v", root.GetProperty("config").GetProperty("k").GetString());
        Assert.False(root.TryGetProperty("allowed_hosts", out _));
        Assert.False(root.TryGetProperty("allowed_paths", out _));
        Assert.DoesNotContain("memory", new Manifest(new PathWasmSource(TestPlugins.PathOf("echo"))).ToJson());
    }

    [Fact]
    public void UrlAndByteSourcesSerialise()
    {
        var url = new UrlWasmSource("https://example.com/p.wasm", "u") { Method = HttpMethod.POST };
        url.Headers["X-A"] = "1";
        var manifest = new Manifest(new ByteArrayWasmSource([0, 97, 115, 109], "main"), url);
        manifest.AllowedHosts.Add("example.com");
        using JsonDocument doc = JsonDocument.Parse(manifest.ToJson());
        JsonElement wasm = doc.RootElement.GetProperty("wasm");
        Assert.Equal("AGFzbQ==", wasm[0].GetProperty("data").GetString());
        Assert.Equal("https://example.com/p.wasm", wasm[1].GetProperty("url").GetString());
        Assert.Equal("POST", wasm[1].GetProperty("method").GetString());
        Assert.Equal("1", wasm[1].GetProperty("headers").GetProperty("X-A").GetString());
        Assert.Equal("example.com", doc.RootElement.GetProperty("allowed_hosts")[0].GetString());
    }

    [Fact]
    public void ByteSourcesAreSentByAddressAndLoad()
    {
        var manifest = new Manifest(new ByteArrayWasmSource(TestPlugins.Bytes("echo"), null));
        using var plugin = new Plugin(manifest, [], withWasi: false);
        Assert.Equal("bytes", plugin.Call("echo", "bytes"));
    }

    [Fact]
    public void HashesAreComputedAndChecked()
    {
        var source = new PathWasmSource(TestPlugins.PathOf("echo"));
        string hash = source.UpdateHash();
        Assert.Equal(WasmSource.ComputeHash(TestPlugins.Bytes("echo")), hash);
        Assert.Matches("^[0-9a-f]{64}$", hash);
        using (var ok = new Plugin(new Manifest(source), [], false)) Assert.Equal("x", ok.Call("echo", "x"));

        source.Hash = hash.ToUpperInvariant(); // upper case is accepted and sent in lower case
        using (var upper = new Plugin(new Manifest(source), [], false)) Assert.Equal("y", upper.Call("echo", "y"));

        var bytes = new ByteArrayWasmSource(TestPlugins.Bytes("echo"), null, new string('0', 64));
        var e = Assert.Throws<ExtismException>(() => new Plugin(new Manifest(bytes), [], false));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("Hash mismatch", e.Message);
        bytes.UpdateHash();
        using var fixedPlugin = new Plugin(new Manifest(bytes), [], false);
    }

    [Theory]
    [InlineData("empty", "Manifest.Sources is empty")]
    [InlineData("missing-file", "Manifest.Sources[0].Path: no file at")]
    [InlineData("bad-hash", "Manifest.Sources[0].Hash 'xyz'")]
    [InlineData("duplicate-names", "Manifest.Sources[1].Name: module name 'lib'")]
    [InlineData("two-unnamed", "Manifest.Sources[1].Name: module name 'main'")]
    [InlineData("null-config", "Manifest.Config[\"k\"] is null")]
    [InlineData("negative-timeout", "Manifest.Timeout")]
    [InlineData("empty-bytes", "Manifest.Sources[0].Data is empty")]
    [InlineData("negative-pages", "Manifest.MemoryOptions.MaxPages")]
    [InlineData("reserved-name", "Manifest.Sources[0].Name: 'extism:host/env'")]
    [InlineData("missing-allowed-path", "Manifest.AllowedPaths[\"/no/such/dir\"]")]
    public void MistakesAreCaughtBeforeLibextismWithTheFieldNamed(string mistake, string expected)
    {
        string echo = TestPlugins.PathOf("echo");
        Manifest manifest = mistake switch
        {
            "empty" => new Manifest(),
            "missing-file" => new Manifest(new PathWasmSource("/no/such/file.wasm")),
            "bad-hash" => new Manifest(new PathWasmSource(echo, hash: "xyz")),
            "duplicate-names" => new Manifest(new PathWasmSource(echo, "lib"), new PathWasmSource(echo, "lib"), new PathWasmSource(echo, "main")),
            "two-unnamed" => new Manifest(new PathWasmSource(echo), new PathWasmSource(echo), new PathWasmSource(echo, "x")),
            "null-config" => new Manifest(new PathWasmSource(echo)) { Config = new Dictionary<string, string> { ["k"] = null! } },
            "negative-timeout" => new Manifest(new PathWasmSource(echo)) { Timeout = TimeSpan.FromSeconds(-1) },
            "empty-bytes" => new Manifest(new ByteArrayWasmSource([], null)),
            "negative-pages" => new Manifest(new PathWasmSource(echo)) { MemoryOptions = new MemoryOptions { MaxPages = -1 } },
            "reserved-name" => new Manifest(new PathWasmSource(echo, "extism:host/env")),
            "missing-allowed-path" => new Manifest(new PathWasmSource(echo)) { AllowedPaths = { ["/no/such/dir"] = "/data" } },
            _ => throw new ArgumentOutOfRangeException(nameof(mistake)),
        };
        var e = Assert.Throws<ArgumentException>(() => new Plugin(manifest, [], withWasi: true));
        Assert.StartsWith(expected, e.Message);
        Assert.Equal("manifest", e.ParamName);
    }

    [Fact]
    public void LinkedModulesResolveByName()
    {
        var manifest = new Manifest(
            new PathWasmSource(TestPlugins.PathOf("linked_main"), "main"),
            new PathWasmSource(TestPlugins.PathOf("linked_lib"), "lib"));
        using var plugin = new Plugin(manifest, [], false);
        Assert.Equal(42UL, BitConverter.ToUInt64(plugin.Call("run", [])));
        Assert.False(plugin.FunctionExists("get_value"));
        var e = Assert.Throws<ExtismException>(() => new Plugin(TestPlugins.Manifest("linked_main"), [], false));
        Assert.Contains("lib::get_value", e.Message);
    }

    [Fact]
    public void WatTextLoadsDirectlyAndThroughFromWat()
    {
        const string wat = """
            (module
              (import "extism:host/env" "output_set" (func $out (param i64 i64)))
              (func (export "nothing") (result i32) (i32.const 0)))
            """;
        using var fromBytes = new Plugin(Encoding.UTF8.GetBytes(wat), [], false);
        Assert.True(fromBytes.FunctionExists("nothing"));
        using var fromWat = Plugin.FromWat("\n\t  " + wat);
        Assert.Equal(0, fromWat.Call("nothing", []).Length);
    }

    [Fact]
    public void InvalidAndEmptyWasmAreRefused()
    {
        var e = Assert.Throws<ExtismException>(() => new Plugin(new byte[] { 0, 0x61, 0x73, 0x6d, 9, 9, 9, 9, 9 }, [], false));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.StartsWith("Unable to compile Extism plugin", e.Message);
        Assert.Throws<ArgumentException>(() => new Plugin(ReadOnlySpan<byte>.Empty, [], false));
    }

    [Fact]
    public void CompatibleConstructorsAndOptions()
    {
        using var a = new Plugin(TestPlugins.Manifest("echo"), [], new PluginIntializationOptions { WithWasi = true, FuelLimit = 1_000_000 });
        Assert.Equal("a", a.Call("echo", "a"));
        using var b = new Plugin(TestPlugins.Manifest("echo"), [], withWasi: false);
        Assert.Equal("b", b.Call("echo", "b"));
        using var c = new Plugin(TestPlugins.Bytes("echo"), [], new PluginInitializationOptions { FuelLimit = 1_000_000 });
        Assert.Equal("c", c.Call("echo", "c"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Plugin(TestPlugins.Bytes("echo"), [], new PluginInitializationOptions { FuelLimit = 0 }));
    }
}

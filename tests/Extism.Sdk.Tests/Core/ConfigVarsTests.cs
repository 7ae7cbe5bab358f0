using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

[Collection(LeakCheckedCollection.Name)]
public class ConfigVarsTests : IClassFixture<LeakCheck>
{
    private static Plugin ConfigVars(Action<Manifest>? configure = null)
    {
        Manifest manifest = TestPlugins.Manifest("config_vars");
        configure?.Invoke(manifest);
        return new Plugin(manifest, [], withWasi: false);
    }

    [Fact]
    public void ConfigFromTheManifestIsReadable()
    {
        using var plugin = ConfigVars(m => m.Config["greeting"] = "hallo ✓");
        Assert.Equal("hallo ✓", plugin.Call("config_get", "greeting"));
        Assert.Equal("", plugin.Call("config_get", "absent"));
    }

    [Fact]
    public void UpdateConfigSetsAndNullRemoves()
    {
        using var plugin = ConfigVars(m => m.Config["a"] = "1");
        Assert.True(plugin.UpdateConfig(new Dictionary<string, string> { ["b"] = "2", ["a"] = null! }, new System.Text.Json.JsonSerializerOptions()));
        Assert.Equal("", plugin.Call("config_get", "a"));
        Assert.Equal("2", plugin.Call("config_get", "b"));
        Assert.True(plugin.UpdateConfig("""{"c":"3"}"""u8));
        Assert.Equal("3", plugin.Call("config_get", "c"));
        Assert.False(plugin.UpdateConfig("""{"n":1}"""u8)); // numbers are not config values
        Assert.False(plugin.UpdateConfig("not json"u8));
        Assert.False(plugin.UpdateConfig(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void VarsPersistAcrossCallsOfOneInstance()
    {
        using var plugin = ConfigVars();
        for (ulong i = 1; i <= 3; i++) Assert.Equal(i, BitConverter.ToUInt64(plugin.Call("var_count", [])));
        plugin.Call("var_put", "kept"u8);
        Assert.Equal("kept", Encoding.UTF8.GetString(plugin.Call("var_get", [])));
    }

    [Fact]
    public void ZeroMaxVarBytesDisablesVars()
    {
        using var plugin = ConfigVars(m => m.MemoryOptions = new MemoryOptions { MaxVarBytes = 0 });
        var e = Assert.Throws<ExtismException>(() => plugin.Call("var_put", "x"u8).ToArray());
        Assert.Equal(-1, e.ReturnCode);
        Assert.Equal(0, plugin.Call("var_get", []).Length);
    }

    [Fact]
    public void UnsetMemoryOptionsDoNotDisableVars()
    {
        // The old SDK sent 0 for unset members, which silently disabled vars.
        using var plugin = ConfigVars(m => m.MemoryOptions = new MemoryOptions { MaxPages = 100 });
        Assert.Equal(1UL, BitConverter.ToUInt64(plugin.Call("var_count", [])));
    }
}

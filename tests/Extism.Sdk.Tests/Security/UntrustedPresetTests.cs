using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Tests.Security;

/// <summary>The preset for code you do not trust: its values, that each field stays overridable, and that its limits hold on real plug-ins.</summary>
public class UntrustedPresetTests
{
    private static Manifest Untrusted(string name) => Manifest.Untrusted(new PathWasmSource(TestPlugins.PathOf(name)));

    [Fact]
    public void ThePresetDeniesEverythingAndSetsEveryLimit()
    {
        Manifest manifest = Untrusted("outcomes");
        Assert.Empty(manifest.AllowedHosts);
        Assert.Empty(manifest.AllowedPaths);
        Assert.Empty(manifest.Config);
        Assert.Equal(TimeSpan.FromSeconds(2), manifest.Timeout);
        Assert.Equal(256, manifest.MemoryOptions!.MaxPages);
        Assert.Equal(64 * 1024, manifest.MemoryOptions.MaxVarBytes);
        Assert.Equal(1024 * 1024, manifest.MemoryOptions.MaxHttpResponseBytes);
        PluginInitializationOptions options = PluginInitializationOptions.Untrusted();
        Assert.False(options.WithWasi);
        Assert.Equal(5_000_000_000, options.FuelLimit);
        Assert.True(options.RecycleAfterFailure);
    }

    [Fact]
    public void EachCallReturnsANewObject_SoOverridingOneFieldChangesNothingElse()
    {
        Manifest first = Untrusted("outcomes");
        first.Timeout = TimeSpan.FromSeconds(30);
        first.MemoryOptions!.MaxPages = 1024;
        first.AllowedHosts.Add("example.com");
        Manifest second = Untrusted("outcomes");
        Assert.Equal(TimeSpan.FromSeconds(2), second.Timeout);
        Assert.Equal(256, second.MemoryOptions!.MaxPages);
        Assert.Equal(64 * 1024, first.MemoryOptions.MaxVarBytes); // the other limits stay
        Assert.Empty(second.AllowedHosts);
        PluginInitializationOptions options = PluginInitializationOptions.Untrusted();
        options.FuelLimit = 1;
        Assert.Equal(5_000_000_000, PluginInitializationOptions.Untrusted().FuelLimit);
    }

    [Fact]
    public void AnEndlessExportStopsAtThePresetTimeout()
    {
        using var plugin = new Plugin(Untrusted("outcomes"), [], PluginInitializationOptions.Untrusted());
        var watch = Stopwatch.StartNew();
        Assert.Throws<ExtismTimeoutException>(() => plugin.Call("spin", []));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9) && watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public void MemoryGrowthStopsAtSixteenMebibytes()
    {
        using var plugin = new Plugin(Untrusted("outcomes"), [], PluginInitializationOptions.Untrusted());
        Assert.Equal(100u, BitConverter.ToUInt32(plugin.Call("grow", BitConverter.GetBytes(100u))));
        // libextism's limiter fails the call (rather than memory.grow returning -1).
        Assert.Throws<ExtismOutOfMemoryException>(() => plugin.Call("grow", BitConverter.GetBytes(300u)));
    }

    [Fact]
    public void VarsStopAtSixtyFourKibibytes()
    {
        using var plugin = new Plugin(Untrusted("config_vars"), [], PluginInitializationOptions.Untrusted());
        plugin.Call("var_put", new byte[60 * 1024]);
        var e = Assert.Throws<ExtismException>(() => plugin.Call("var_put", new byte[70 * 1024]));
        // The precise kind (VarStoreFull) needs custom logging: RuntimeImportFailureTests.
        Assert.Equal(ExtismErrorKind.RuntimeImportFailed, e.Kind);
    }

    [Fact]
    public void NoHostIsAllowed()
    {
        using var plugin = new Plugin(Untrusted("http"), [], PluginInitializationOptions.Untrusted());
        plugin.Call("http_status", []); // a first call fails the same way when libextism's lazy instantiation fails: Unknown
        var e = Assert.Throws<ExtismException>(() => plugin.Call("http_get", "http://127.0.0.1:9/"u8));
        Assert.Equal(ExtismErrorKind.RuntimeImportFailed, e.Kind); // HttpRequestDenied with custom logging on
    }

    [Fact]
    public void WasiIsOff()
    {
        // A plug-in that imports WASI cannot even be linked.
        var e = Assert.Throws<ExtismException>(() => new Plugin(Untrusted("wasi"), [], PluginInitializationOptions.Untrusted()));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("wasi", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ThePresetFuelEndsAStartFunctionThatNeverReturns_WhenNothingElseCan()
    {
        Manifest manifest = Manifest.Untrusted(new PathWasmSource(TestPlugins.PathOf("hostile_start"), "main"));
        manifest.Timeout = null; // no bound: only fuel can end it
        var e = Assert.Throws<ExtismException>(() => new Plugin(manifest, [], PluginInitializationOptions.Untrusted()));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("fuel", e.Message);
    }

    [Fact]
    public async Task ARegistryForUntrustedCode_FillsWhatADefinitionLeavesUnset_AndKeepsWhatItSets()
    {
        using var registry = new PluginRegistry((key, _) => ValueTask.FromResult(key == "bytes"
            ? new PluginDefinition(TestPlugins.Bytes("outcomes"))
            : new PluginDefinition(new Manifest(new PathWasmSource(TestPlugins.PathOf("outcomes"))) { Timeout = TimeSpan.FromMilliseconds(200) })),
            new PluginRegistryOptions { Untrusted = true });
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ExtismTimeoutException>(() => registry.CallAsync("bytes", "spin", ReadOnlyMemory<byte>.Empty));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"the preset's 2 s timeout, took {watch.Elapsed}");
        watch.Restart();
        await Assert.ThrowsAsync<ExtismTimeoutException>(() => registry.CallAsync("manifest", "spin", ReadOnlyMemory<byte>.Empty));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"the definition's own 200 ms, took {watch.Elapsed}");
        await Assert.ThrowsAsync<ExtismOutOfMemoryException>(() => registry.CallAsync("bytes", "grow", BitConverter.GetBytes(300u)));
    }
}

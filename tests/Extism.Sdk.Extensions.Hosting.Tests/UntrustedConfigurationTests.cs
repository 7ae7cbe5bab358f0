using System.Diagnostics;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>"Untrusted": true in a plug-in's and in the registry's section: the preset binds, keys beside it override one field each, and the limits hold.</summary>
public class UntrustedConfigurationTests
{
    [Fact]
    public async Task ThePresetBinds_AndEachKeyBesideItOverridesOneField()
    {
        using IHost host = ConfigurationTests.Build(new()
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("outcomes"),
            ["Extism:Plugins:p:Untrusted"] = "true",
            ["Extism:Plugins:p:Timeout"] = "300",
            ["Extism:Plugins:p:Memory:MaxVarBytes"] = "1024",
        });
        await host.StartAsync();
        ExtismPluginOptions options = host.Services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get("p");
        Manifest manifest = options.Manifest!;
        Assert.Equal(TimeSpan.FromMilliseconds(300), manifest.Timeout); // overridden
        Assert.Equal(1024, manifest.MemoryOptions!.MaxVarBytes); // overridden
        Assert.Equal(256, manifest.MemoryOptions.MaxPages); // the preset's
        Assert.Equal(1024 * 1024, manifest.MemoryOptions.MaxHttpResponseBytes); // the preset's
        Assert.Empty(manifest.AllowedHosts);
        Assert.Empty(manifest.AllowedPaths);
        Assert.False(options.WithWasi);
        Assert.Equal(PluginInitializationOptions.Untrusted().FuelLimit, options.FuelLimit);

        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("p");
        var watch = Stopwatch.StartNew();
        Assert.Throws<ExtismTimeoutException>(() => pool.Call("spin", ReadOnlySpan<byte>.Empty));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Throws<ExtismOutOfMemoryException>(() => pool.Call("grow", BitConverter.GetBytes(300u))); // 256 pages
        await host.StopAsync();
    }

    [Fact]
    public async Task AHostilePluginsCreationIsBoundedByThePreset()
    {
        // Its start function never returns: the caller stops waiting at the preset's 2 s timeout,
        // and the preset's fuel ends the abandoned creation in the background.
        using IHost host = ConfigurationTests.Build(new()
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("hostile_start"),
            ["Extism:Plugins:p:Untrusted"] = "true",
        });
        await host.StartAsync();
        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("p");
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ExtismTimeoutException>(() => pool.Call("noop", ReadOnlySpan<byte>.Empty));
        Assert.Contains("creating the plug-in", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        await host.StopAsync();
    }

    [Fact]
    public async Task WithoutTheKey_NothingOfThePresetApplies()
    {
        using IHost host = ConfigurationTests.Build(new() { ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("outcomes") });
        await host.StartAsync();
        ExtismPluginOptions options = host.Services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get("p");
        Assert.Null(options.Manifest!.Timeout);
        Assert.Null(options.Manifest.MemoryOptions);
        Assert.Null(options.FuelLimit);
        await host.StopAsync();
    }

    [Fact]
    public async Task ABadValueFailsTheStartNamingTheKey()
    {
        using IHost host = ConfigurationTests.Build(new()
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("outcomes"),
            ["Extism:Plugins:p:Untrusted"] = "maybe",
        });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("Extism:Plugins:p:Untrusted", e.Message);
    }

    [Fact]
    public async Task TheRegistrySectionBindsUntrusted_AndEveryResolvedPluginGetsThePreset()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Extism:Registry:Untrusted"] = "true" });
        byte[] outcomes = File.ReadAllBytes(TestWasm.PathOf("outcomes"));
        builder.Services.AddExtismRegistry(builder.Configuration.GetSection("Extism:Registry"),
            _ => (_, _) => ValueTask.FromResult(new PluginDefinition(outcomes)));
        using IHost host = builder.Build();
        await host.StartAsync();
        Assert.True(host.Services.GetRequiredService<IOptions<PluginRegistryOptions>>().Value.Untrusted);
        var registry = host.Services.GetRequiredService<PluginRegistry>();
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ExtismTimeoutException>(() => registry.CallAsync("any", "spin", ReadOnlyMemory<byte>.Empty));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"the preset's 2 s timeout, took {watch.Elapsed}");
        await host.StopAsync();
    }
}

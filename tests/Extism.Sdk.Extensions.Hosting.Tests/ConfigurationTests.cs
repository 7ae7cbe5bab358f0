using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>Binding a plug-in from configuration, and the start-time errors that name the key.</summary>
public class ConfigurationTests
{
    internal static IHost Build(Dictionary<string, string?> settings, string name = "p")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddExtismPlugin(name, builder.Configuration.GetSection("Extism:Plugins:" + name));
        return builder.Build();
    }

    [Fact]
    public async Task EverySettingIsBoundIntoTheManifestAndThePool()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("config_vars"),
            ["Extism:Plugins:p:Wasm:0:Name"] = "main",
            ["Extism:Plugins:p:AllowedHosts:0"] = "example.com",
            ["Extism:Plugins:p:Config:answer"] = "forty-two",
            ["Extism:Plugins:p:Timeout"] = "00:00:03",
            ["Extism:Plugins:p:Memory:MaxPages"] = "64",
            ["Extism:Plugins:p:Memory:MaxVarBytes"] = "1024",
            ["Extism:Plugins:p:FuelLimit"] = "100000000",
            ["Extism:Plugins:p:Pool:MaxSize"] = "3",
            ["Extism:Plugins:p:Pool:Isolation"] = "EnginePerInstance",
            ["Extism:Plugins:p:Pool:RentTimeout"] = "2500",
            ["Extism:Plugins:p:Pool:Prewarm"] = "2",
        });
        await host.StartAsync();
        ExtismPluginOptions options = host.Services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get("p");
        Manifest manifest = options.Manifest!;
        var source = Assert.IsType<PathWasmSource>(Assert.Single(manifest.Sources));
        Assert.Equal("main", source.Name);
        Assert.Equal(["example.com"], manifest.AllowedHosts);
        Assert.Equal(TimeSpan.FromSeconds(3), manifest.Timeout);
        Assert.Equal(64, manifest.MemoryOptions!.MaxPages);
        Assert.Equal(1024, manifest.MemoryOptions.MaxVarBytes);
        Assert.Equal(100_000_000, options.FuelLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.Pool.RentTimeout);

        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("p");
        Assert.Equal(3, pool.MaxSize);
        Assert.Equal(PluginPoolIsolation.EnginePerInstance, pool.Isolation);
        Assert.Equal("p", pool.Name);
        Assert.Equal(2, pool.Count); // prewarmed at start
        Assert.Equal("forty-two", pool.Call("config_get", "answer"));
        await host.StopAsync();
    }

    [Fact]
    public async Task InvalidSettingsFailTheStartNamingEachKey()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("config_vars"),
            ["Extism:Plugins:p:Wasm:1:Url"] = "not a url",
            ["Extism:Plugins:p:Wasm:2:Path"] = "/nowhere/missing.wasm",
            ["Extism:Plugins:p:Wasm:3:Name"] = "neither path nor url",
            ["Extism:Plugins:p:Wasmm:0:Path"] = "typo.wasm",
            ["Extism:Plugins:p:Timeout"] = "soon",
            ["Extism:Plugins:p:Pool:MaxSize"] = "abc",
            ["Extism:Plugins:p:Pool:Isolation"] = "Bogus",
            ["Extism:Plugins:p:Pool:Prewarm"] = "99999",
            ["Extism:Plugins:p:FuelLimit"] = "0",
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        string message = string.Join("\n", e.Failures);
        foreach (string key in new[]
        {
            "Extism:Plugins:p:Wasm:1:Url", "Extism:Plugins:p:Wasm:2:Path", "Extism:Plugins:p:Wasm:3", "Extism:Plugins:p:Wasmm",
            "Extism:Plugins:p:Timeout", "Extism:Plugins:p:Pool:MaxSize", "Extism:Plugins:p:Pool:Isolation", "Extism:Plugins:p:Pool:Prewarm",
            "Extism:Plugins:p:FuelLimit",
        })
        {
            Assert.Contains(key + ":", message);
        }
    }

    [Fact]
    public async Task AMissingSectionSaysWhatToSet()
    {
        using IHost host = Build(new(), name: "absent");
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Extism:Plugins:absent:Wasm:0:Path", e.Message);
    }

    [Fact]
    public async Task OptionsSetInCodeAreValidatedWithTheirPropertyNames()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddExtismPlugin("code", o => o.Pool.MaxSize = 0);
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ExtismPluginOptions.Manifest", e.Message);
        Assert.Contains("ExtismPluginOptions.Pool.MaxSize", e.Message);
    }

    [Fact]
    public void ANameCanBeRegisteredOnce()
    {
        var services = new ServiceCollection();
        services.AddExtismPlugin("twice", o => o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("echo"))));
        Assert.Throws<ArgumentException>(() => services.AddExtismPlugin("twice", o => { }));
    }

    [Fact]
    public async Task AChangedConfigurationFileReloadsThePlugin()
    {
        using var dir = new TempDirectory();
        string json = dir.File("plugins.json");
        string Settings(string answer) => $$"""
            { "Extism": { "Plugins": { "cfg": {
                "Wasm": [ { "Path": "{{TestWasm.PathOf("config_vars").Replace("\\", "\\\\")}}" } ],
                "Config": { "answer": "{{answer}}" }, "ReloadDebounce": "20" } } } }
            """;
        File.WriteAllText(json, Settings("before"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonFile(json, optional: false, reloadOnChange: true);
        builder.Services.AddExtismPlugin("cfg", builder.Configuration.GetSection("Extism:Plugins:cfg"));
        using IHost host = builder.Build();
        await host.StartAsync();
        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("cfg");
        Assert.Equal("before", pool.Call("config_get", "answer"));

        File.WriteAllText(json, Settings("after"));
        await Wait.Until(() => pool.Call("config_get", "answer") == "after", "the configuration change to be served");
        Assert.Same(pool, host.Services.GetRequiredKeyedService<PluginPool>("cfg"));

        // An invalid change is refused: the running generation keeps serving.
        int generation = pool.Generation;
        PluginRuntime runtime = host.Services.GetRequiredKeyedService<PluginRuntime>("cfg");
        File.WriteAllText(json, Settings("after").Replace("\"ReloadDebounce\"", "\"Pool\": { \"MaxSize\": \"many\" }, \"ReloadDebounce\""));
        await Wait.Until(() => runtime.LastReloadError is not null, "the invalid change to be refused");
        Assert.Contains("Extism:Plugins:cfg:Pool:MaxSize", runtime.LastReloadError);
        Assert.Equal(generation, pool.Generation);
        Assert.Equal("after", pool.Call("config_get", "answer"));
        await host.StopAsync();
    }
}

using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>
/// A replacement file that is neither a wasm module nor WAT text is refused with a message
/// saying so (not libextism's WAT parser's "input bytes aren't valid utf-8"), and the health
/// check shows that message while the old code keeps serving.
/// </summary>
public class NotWasmReloadTests
{
    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x01, 0x02 })] // binary, not UTF-8: libextism said "aren't valid utf-8"
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4 })]   // a zip, say
    [InlineData(new byte[0])]                                 // an empty file
    public async Task AReplacementThatIsNotWasmIsRefusedWithAMessageSayingSo(byte[] replacement)
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("plugin.wasm");
        File.WriteAllText(wasm, TestWasm.Answering("A"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = wasm,
            ["Extism:Plugins:p:ReloadDebounce"] = "20",
        });
        builder.Services.AddExtismPlugin("p", builder.Configuration.GetSection("Extism:Plugins:p"));
        builder.Services.AddHealthChecks().AddExtismPlugin("p");
        using IHost host = builder.Build();
        await host.StartAsync();
        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("p");
        PluginRuntime runtime = host.Services.GetRequiredKeyedService<PluginRuntime>("p");
        Assert.Equal("A", pool.Call("count_vowels", "x"));

        int attempts = runtime.ReloadAttempts;
        string replacementPath = dir.File("replacement.bin");
        File.WriteAllBytes(replacementPath, replacement);
        File.Move(replacementPath, wasm, overwrite: true);
        await Wait.Until(() => runtime.ReloadAttempts > attempts && runtime.LastReloadError is not null, "the non-wasm file to be refused");

        Assert.Contains("is not a wasm module", runtime.LastReloadError);
        Assert.Contains(wasm, runtime.LastReloadError);
        Assert.DoesNotContain("utf-8", runtime.LastReloadError);
        Assert.Equal("A", pool.Call("count_vowels", "x"));
        HealthReport health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("is not a wasm module", health.Entries.Values.Single().Description);
        await host.StopAsync();
    }
}

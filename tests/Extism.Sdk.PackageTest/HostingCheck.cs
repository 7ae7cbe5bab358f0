// The hosting package, from the local feed: a plug-in bound from configuration as a keyed
// PluginPool in a generic host, its health check, and a reload when the wasm file is replaced.
using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

static class HostingCheck
{
    internal static async Task RunAsync(string plugins, Action<string, object?, object?> expect)
    {
        string dir = Directory.CreateTempSubdirectory("extism-package-test-").FullName;
        try
        {
            string wasm = Path.Combine(dir, "plugin.wasm");
            File.Copy(Path.Combine(plugins, "count_vowels.wasm"), wasm);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Extism:Plugins:vowels:Wasm:0:Path"] = wasm,
                ["Extism:Plugins:vowels:ReloadDebounce"] = "50",
                ["Extism:Plugins:vowels:Pool:MaxSize"] = "2",
                ["Extism:Plugins:vowels:Pool:Prewarm"] = "1",
            });
            builder.Services.AddExtismPlugin("vowels", builder.Configuration.GetSection("Extism:Plugins:vowels"));
            builder.Services.AddHealthChecks().AddExtismPlugin("vowels", probeExport: "count_vowels");
            using IHost host = builder.Build();
            await host.StartAsync();
            PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("vowels");
            expect("hosting: prewarmed instances", 1, pool.Count);
            expect("hosting: pooled call", """{"count":3,"total":3,"vowels":"aeiouAEIOU"}""", pool.Call("count_vowels", "Hello, World!"));
            HealthReport health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            expect("hosting: health", HealthStatus.Healthy, health.Status);

            // Replace the file the way deploy tools do; poll (bounded) for the new generation.
            string next = wasm + ".next";
            File.Copy(Path.Combine(plugins, "count_vowels.wasm"), next);
            File.Move(next, wasm, overwrite: true);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (pool.Generation < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
            expect("hosting: generation after the file was replaced", 2, pool.Generation);
            expect("hosting: call after reload", """{"count":1,"total":1,"vowels":"aeiouAEIOU"}""", pool.Call("count_vowels", "a"));
            await host.StopAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

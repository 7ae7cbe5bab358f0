// The Orleans package, from the local feed: one silo in this process (localhost clustering on
// free ports, so a developer's sample or test cluster on the default ports is never joined), its
// plug-in grain called by key through ExtismPluginCluster, a failure carried back as
// PluginCallException, and an invalidation. Not in the NativeAOT build (Orleans is not AOT-ready).
using System.Net;
using System.Net.Sockets;
using Extism.Sdk;
using Extism.Sdk.Extensions.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

static class OrleansCheck
{
    internal static async Task RunAsync(string plugins, Action<string, object?, object?> expect)
    {
        string wasm = Path.Combine(plugins, "count_vowels.wasm");
        string clusterId = "extism-package-test-" + Environment.ProcessId;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), null, clusterId, clusterId);
            silo.Configure<SiloOptions>(o => o.SiloName = "package-test-silo");
            silo.AddExtismPlugins(_ => (key, _) => key == "acme/vowels@1"
                ? ValueTask.FromResult(new PluginDefinition(new Manifest(new PathWasmSource(wasm))))
                : throw new KeyNotFoundException($"No plug-in is registered under '{key}'."));
        });
        using IHost host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        try
        {
            ExtismPluginCluster cluster = host.Services.GetRequiredService<ExtismPluginCluster>();
            expect("orleans: grain call", """{"count":3,"total":3,"vowels":"aeiouAEIOU"}""",
                await cluster.CallAsync("acme/vowels@1", "count_vowels", "Hello, World!", timeout.Token));
            PluginGrainStatus status = await cluster.GetGrain("acme/vowels@1").GetStatusAsync();
            expect("orleans: compiled on the silo", "True package-test-silo", $"{status.Compiled} {status.Silo}");

            // The key's failure crosses Orleans' serializer as the package's own exception.
            PluginCallFailure? failure = null;
            try
            {
                await cluster.CallAsync("acme/missing@1", "count_vowels", "x", timeout.Token);
            }
            catch (PluginCallException e)
            {
                failure = e.Failure;
            }
            expect("orleans: unknown key", PluginCallFailure.KeyNotFound, failure);

            // After an invalidation the key is compiled afresh: the plug-in's running total restarts.
            await cluster.InvalidateAsync("acme/vowels@1", timeout.Token);
            expect("orleans: call after invalidation", """{"count":1,"total":1,"vowels":"aeiouAEIOU"}""",
                await cluster.CallAsync("acme/vowels@1", "count_vowels", "a", timeout.Token));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    // A port nothing listens on now (the silo binds it a moment later; a clash would fail the start, not hide).
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

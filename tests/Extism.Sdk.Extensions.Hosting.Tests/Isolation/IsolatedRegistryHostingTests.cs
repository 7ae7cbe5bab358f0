using System.Text;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests.Isolation;

/// <summary>AddExtismRegistry with "ProcessIsolation": every resolved plug-in in worker processes.</summary>
[Collection(IsolatedHosting.Collection)]
public class IsolatedRegistryHostingTests
{
    private static readonly PluginResolver Answers = (key, _) => ValueTask.FromResult(new PluginDefinition(Encoding.UTF8.GetBytes(TestWasm.Answering(key, "get"))));

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddExtismRegistry(builder.Configuration.GetSection("Extism:Registry"), _ => Answers);
        return builder.Build();
    }

    [Fact]
    public async Task TheProcessIsolationSectionIsBoundAndKeysRunInWorkers()
    {
        using (IHost host = Build(new()
        {
            ["Extism:Registry:MaxInstancesPerPlugin"] = "1",
            ["Extism:Registry:ProcessIsolation:CallDeadline"] = "00:00:10",
            ["Extism:Registry:ProcessIsolation:MaxWorkerMemory"] = "1GiB",
            ["Extism:Registry:ProcessIsolation:FuelLimit"] = "100000000",
            ["Extism:Registry:ProcessIsolation:MaxWorkerCpuTime"] = "00:00:05",
            ["Extism:Registry:ProcessIsolation:Name"] = "tenants",
        }))
        {
            await host.StartAsync();
            var options = host.Services.GetRequiredService<IOptions<PluginRegistryOptions>>().Value;
            Assert.Equal(TimeSpan.FromSeconds(10), options.ProcessIsolation!.CallDeadline);
            Assert.Equal(1L << 30, options.ProcessIsolation.MaxWorkerMemoryBytes);
            Assert.Equal("tenants", options.ProcessIsolation.Name);
            Assert.Equal(100_000_000, options.ProcessIsolation.FuelLimit);
            Assert.Equal(TimeSpan.FromSeconds(5), options.ProcessIsolation.MaxWorkerCpuTime);

            var registry = host.Services.GetRequiredService<PluginRegistry>();
            Assert.Equal("tenant-a", await registry.CallAsync("tenant-a", "get", ""));
            Assert.Equal("tenant-b", await registry.CallAsync("tenant-b", "get", ""));
            Assert.Equal(2, registry.LiveInstances); // one worker slot per key
            Assert.Equal(2, IsolatedHosting.WorkerProcesses() ?? 2);
            await host.StopAsync();
        }
        await IsolatedHosting.NoWorkersLeft(); // the registry, disposed with the host, ended its keys' workers
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task ProcessIsolationTakesABooleanForTheDefaults(string value, bool isolated)
    {
        using IHost host = Build(new() { ["Extism:Registry:ProcessIsolation"] = value });
        await host.StartAsync();
        Assert.Equal(isolated, host.Services.GetRequiredService<IOptions<PluginRegistryOptions>>().Value.ProcessIsolation is not null);
        await host.StopAsync();
    }

    [Fact]
    public async Task BadProcessIsolationKeysFailTheStartNamingTheKey()
    {
        using IHost host = Build(new()
        {
            ["Extism:Registry:ProcessIsolation:CallDeadlin"] = "5",
            ["Extism:Registry:ProcessIsolation:MaxWorkerMemory"] = "much",
            ["Extism:Registry:ProcessIsolation:FuelLimit"] = "plenty",
        });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("Extism:Registry:ProcessIsolation:CallDeadlin: unknown setting", e.Message);
        Assert.Contains("Extism:Registry:ProcessIsolation:MaxWorkerMemory: 'much' is not a size", e.Message);
        Assert.Contains("Extism:Registry:ProcessIsolation:FuelLimit: 'plenty' is not a whole number", e.Message);
    }
}

using System.Text;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests.Registry;

/// <summary>AddExtismRegistry: configuration binding, validation at start, the registry singleton and its health check.</summary>
public class RegistryHostingTests
{
    private static readonly PluginResolver Answers = (key, _) => ValueTask.FromResult(new PluginDefinition(Encoding.UTF8.GetBytes(TestWasm.Answering(key, "get"))));

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddExtismRegistry(builder.Configuration.GetSection("Extism:Registry"), _ => Answers);
        builder.Services.AddHealthChecks().AddExtismRegistry();
        more?.Invoke(builder.Services, builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Options_are_bound_from_configuration_and_the_registry_serves_calls()
    {
        using IHost host = Build(new()
        {
            ["Extism:Registry:MaxLiveInstances"] = "5",
            ["Extism:Registry:MaxCompiledModules"] = "3",
            ["Extism:Registry:MemoryBudget"] = "64MiB",
            ["Extism:Registry:BudgetWaitTimeout"] = "250",
            ["Extism:Registry:InstanceMemoryEstimate"] = "128KiB",
            ["Extism:Registry:ModuleMemoryPerCodeByte"] = "2.5",
            ["Extism:Registry:MaxInstancesPerPlugin"] = "1",
        });
        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<PluginRegistryOptions>>().Value;
        Assert.Equal((5, 3, 64L << 20, TimeSpan.FromMilliseconds(250), 128L * 1024, 2.5, 1),
            (options.MaxLiveInstances, options.MaxCompiledModules, options.MemoryBudget, options.BudgetWaitTimeout, options.InstanceMemoryEstimate, options.ModuleMemoryPerCodeByte, options.MaxInstancesPerPlugin));
        Assert.Null(options.CompilationCache);

        var registry = host.Services.GetRequiredService<PluginRegistry>();
        Assert.Equal("tenant-a", await registry.CallAsync("tenant-a", "get", ""));
        await host.StopAsync();
    }

    [Fact]
    public async Task Unknown_keys_and_bad_values_fail_the_start_naming_the_key()
    {
        using IHost host = Build(new()
        {
            ["Extism:Registry:MaxLiveInstancez"] = "5",
            ["Extism:Registry:MemoryBudget"] = "lots",
            ["Extism:Registry:CompilationCache:Dir"] = "/tmp/x",
        });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("Extism:Registry:MaxLiveInstancez: unknown setting", e.Message);
        Assert.Contains("Extism:Registry:MemoryBudget: 'lots' is not a size", e.Message);
        Assert.Contains("Extism:Registry:CompilationCache:Dir: unknown setting", e.Message);
    }

    [Fact]
    public async Task Out_of_range_options_fail_the_start_naming_the_option()
    {
        using IHost host = Build(new() { ["Extism:Registry:MaxLiveInstances"] = "100000" });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MaxLiveInstances", e.Message);
    }

    [Fact]
    public async Task Health_is_degraded_after_calls_were_refused_for_lack_of_room_and_recovers()
    {
        using IHost host = Build(new()
        {
            ["Extism:Registry:MaxLiveInstances"] = "1",
            ["Extism:Registry:BudgetWaitTimeout"] = "0",
        });
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<PluginRegistry>();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport first = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, first.Status);

        using (PluginRegistryLease lease = await registry.RentAsync("a"))
        {
            await Assert.ThrowsAsync<PluginBudgetExceededException>(() => registry.CallAsync("b", "get", ""));
        }
        HealthReport degraded = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        HealthReportEntry entry = degraded.Entries["extism:registry"];
        Assert.Contains("refused", entry.Description);
        Assert.Equal(1L, entry.Data["budget_failures"]);
        Assert.Equal(1, entry.Data["max_live_instances"]);

        Assert.Equal("b", await registry.CallAsync("b", "get", ""));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        await host.StopAsync();
    }

    [Fact]
    public void A_second_registry_is_refused()
    {
        var services = new ServiceCollection();
        services.AddExtismRegistry(_ => Answers);
        var e = Assert.Throws<InvalidOperationException>(() => services.AddExtismRegistry(_ => Answers));
        Assert.Contains("already registered", e.Message);
    }
}

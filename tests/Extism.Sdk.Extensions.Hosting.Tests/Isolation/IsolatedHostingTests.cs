using Extism.Sdk;
using Extism.Sdk.Native;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests.Isolation;

/// <summary>AddExtismIsolatedPlugin: a keyed ExtismIsolatedPlugin whose plug-in runs in worker processes.</summary>
[Collection(IsolatedHosting.Collection)]
public class IsolatedHostingTests
{
    internal static IHost Build(Dictionary<string, string?> settings, string name = "iso", Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddExtismIsolatedPlugin(name, builder.Configuration.GetSection("Extism:Plugins:" + name));
        more?.Invoke(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task TheWorkerSectionIsBoundAndCallsRunInAWorkerStartedWithTheHost()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("config_vars"),
            ["Extism:Plugins:iso:Config:answer"] = "forty-two",
            ["Extism:Plugins:iso:Timeout"] = "00:00:03",
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "3",
            ["Extism:Plugins:iso:Worker:CallDeadline"] = "00:00:20",
            ["Extism:Plugins:iso:Worker:MaxWorkerMemory"] = "512MiB",
            ["Extism:Plugins:iso:Worker:MaxWorkerCpuTime"] = "00:00:30",
            ["Extism:Plugins:iso:Worker:WorkerStartTimeout"] = "20000",
            ["Extism:Plugins:iso:Worker:CancelGracePeriod"] = "00:00:01",
            ["Extism:Plugins:iso:Worker:Prewarm"] = "2",
        });
        await host.StartAsync();
        ExtismPluginOptions options = host.Services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get("iso");
        Assert.Equal(3, options.Worker.MaxWorkers);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Worker.CallDeadline);
        Assert.Equal(512L << 20, options.Worker.MaxWorkerMemoryBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Worker.MaxWorkerCpuTime);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Worker.WorkerStartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Worker.CancelGracePeriod);
        Assert.Equal(2, options.Prewarm);

        ExtismIsolatedPlugin plugin = host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso");
        Assert.Same(plugin, host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso"));
        Assert.Equal("iso", plugin.Name);
        Assert.Equal(3, plugin.MaxWorkers);
        Assert.Equal(2, plugin.Workers); // prewarmed at start
        Assert.Equal(2, IsolatedHosting.WorkerProcesses() ?? 2);
        Assert.Equal("forty-two", plugin.Call("config_get", "answer"));
        Assert.Equal("forty-two", await plugin.CallAsync("config_get", "answer"));
        await host.StopAsync();
        host.Dispose();
        await IsolatedHosting.NoWorkersLeft();
    }

    [Fact]
    public async Task UntrustedAppliesTheManifestPresetAndItsFuel()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("count_vowels"),
            ["Extism:Plugins:iso:Untrusted"] = "true",
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "1",
        });
        await host.StartAsync();
        ExtismPluginOptions options = host.Services.GetRequiredService<IOptionsMonitor<ExtismPluginOptions>>().Get("iso");
        Assert.Equal(Manifest.Untrusted().Timeout, options.Manifest!.Timeout);
        Assert.Equal(Manifest.Untrusted().MemoryOptions!.MaxPages, options.Manifest.MemoryOptions!.MaxPages);
        Assert.Equal(PluginInitializationOptions.Untrusted().FuelLimit, options.FuelLimit); // applied in the workers
        Assert.Contains("\"count\":3", host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso").Call("count_vowels", "aei"));
        await host.StopAsync();
    }

    [Fact]
    public async Task FuelLimitAppliesPerCallInTheWorkers()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("outcomes"),
            ["Extism:Plugins:iso:FuelLimit"] = "1000000",
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "1",
        });
        await host.StartAsync();
        ExtismIsolatedPlugin plugin = host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso");
        Assert.Throws<ExtismFuelExhaustedException>(() => plugin.Call("busy", BitConverter.GetBytes(50_000_000UL)));
        Assert.Equal("done"u8.ToArray(), plugin.Call("busy", BitConverter.GetBytes(1000UL)));
        await host.StopAsync();
    }

    [Fact]
    public async Task MaxWorkerCpuTimeReachesTheWorkers()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the CPU limit is enforced through RLIMIT_CPU on Linux; Windows' job object is not run here");
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("outcomes"),
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "1",
            ["Extism:Plugins:iso:Worker:MaxWorkerCpuTime"] = "1000",
            ["Extism:Plugins:iso:Worker:CallDeadline"] = "00:00:15", // only so that a failure does not hang
        });
        await host.StartAsync();
        ExtismIsolatedPlugin plugin = host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso");
        var death = Assert.Throws<ExtismWorkerException>(() => plugin.Call("spin", ReadOnlySpan<byte>.Empty));
        Assert.Equal(WorkerExitReason.CpuLimit, death.Reason);
        await host.StopAsync();
    }

    [Fact]
    public async Task InvalidSettingsFailTheStartNamingEachKey()
    {
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("count_vowels"),
            ["Extism:Plugins:iso:FuelLimit"] = "0",
            ["Extism:Plugins:iso:Pool:MaxSize"] = "4",
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "0",
            ["Extism:Plugins:iso:Worker:MaxWorkerMemory"] = "lots",
            ["Extism:Plugins:iso:Worker:CallDeadline"] = "-1",
            ["Extism:Plugins:iso:Worker:MaxWorkerCpuTime"] = "0",
            ["Extism:Plugins:iso:Worker:WorkerPath"] = "no/such/worker",
            ["Extism:Plugins:iso:Worker:Prewarm"] = "3",
            ["Extism:Plugins:iso:Worker:MaxWorker"] = "2",
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        string message = string.Join("\n", e.Failures);
        foreach (string key in new[] { "FuelLimit", "Pool", "Worker:MaxWorkers", "Worker:MaxWorkerMemory", "Worker:CallDeadline", "Worker:MaxWorkerCpuTime", "Worker:WorkerPath", "Worker:Prewarm", "Worker:MaxWorker" })
        {
            Assert.Contains("Extism:Plugins:iso:" + key + ":", message);
        }
        Assert.Contains("unknown setting", message);
    }

    [Fact]
    public async Task AWorkerSectionOnAnInProcessPluginIsAnError()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extism:Plugins:p:Wasm:0:Path"] = TestWasm.PathOf("count_vowels"),
            ["Extism:Plugins:p:Worker:MaxWorkers"] = "2",
        });
        builder.Services.AddExtismPlugin("p", builder.Configuration.GetSection("Extism:Plugins:p"));
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Extism:Plugins:p:Worker: applies only to plug-ins registered with AddExtismIsolatedPlugin", e.Message);
    }

    [Fact]
    public async Task OptionsSetInCodeAreValidatedWithTheirPropertyNames()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddExtismIsolatedPlugin("code", o =>
        {
            o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("count_vowels")));
            o.FuelLimit = 10;
            o.Worker.FuelLimit = 20;
            o.Worker.MaxWorkerMemoryBytes = 0;
        });
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ExtismPluginOptions.Worker.FuelLimit: set either it or 'ExtismPluginOptions.FuelLimit', not both", e.Message);
        Assert.Contains("ExtismPluginOptions.Worker.MaxWorkerMemoryBytes", e.Message);
    }

    [Fact]
    public async Task AModuleThatDoesNotLoadInTheWorkerStopsTheStart()
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("broken.wasm");
        File.WriteAllText(wasm, "(module (import \"nowhere\" \"missing\" (func)))"); // an import nobody provides
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddExtismIsolatedPlugin("broken", o => o.Manifest = new Manifest(new PathWasmSource(wasm)));
        using IHost host = builder.Build();
        ExtismException e = await Assert.ThrowsAnyAsync<ExtismException>(() => host.StartAsync());
        Assert.NotEqual(ExtismErrorKind.FunctionNotFound, e.Kind);
    }

    [Fact]
    public async Task HostFunctionsFromServicesRunInTheHostAndAHealthCheckProbesAWorker()
    {
        var calls = new Counter();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(calls);
        builder.Services.AddExtismIsolatedPlugin("bytes", o =>
            {
                o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("host_bytes")));
                o.Worker.MaxWorkers = 1;
            })
            .AddHostFunctions(sp => [new IsolatedHostFunction("transform", [ExtismValType.I64], [ExtismValType.I64], sp.GetRequiredService<Counter>(), static (plugin, inputs, outputs) =>
            {
                plugin.GetUserData<Counter>()!.Increment();
                byte[] block = plugin.ReadBytes(inputs[0].v.i64);
                Array.Reverse(block);
                outputs[0].v.i64 = plugin.WriteBytes(block);
            })]);
        builder.Services.AddHealthChecks().AddExtismIsolatedPlugin("bytes").AddExtismIsolatedPlugin("bytes-probe-fails", probeExport: "no_such_export");
        builder.Services.AddExtismIsolatedPlugin("bytes-probe-fails", o => o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("count_vowels"))));
        using IHost host = builder.Build();
        await host.StartAsync();

        ExtismIsolatedPlugin plugin = host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("bytes");
        Assert.Equal("olleh", System.Text.Encoding.UTF8.GetString(plugin.Call("call_transform", "hello"u8)));
        Assert.Equal(1, calls.Value);

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        HealthReportEntry healthy = report.Entries["extism:bytes"];
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(1, healthy.Data["generation"]);
        Assert.Equal(1, healthy.Data["workers"]);
        HealthReportEntry failing = report.Entries["extism:bytes-probe-fails"];
        Assert.Equal(HealthStatus.Unhealthy, failing.Status);
        Assert.Contains("probe export 'no_such_export' failed", failing.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task AWorkerKilledFromOutsideIsReportedAndTheNextCallGetsANewOne()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("finds the worker's pid through /proc");
        using IHost host = Build(new()
        {
            ["Extism:Plugins:iso:Wasm:0:Path"] = TestWasm.PathOf("count_vowels"),
            ["Extism:Plugins:iso:Worker:MaxWorkers"] = "1",
        });
        await host.StartAsync();
        ExtismIsolatedPlugin plugin = host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("iso");
        int pid = Assert.Single(IsolatedHosting.WorkerPids());
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        await Wait.Until(() => IsolatedHosting.WorkerPids().Length == 0, "the killed worker to be gone");
        try
        {
            // The pool learns of the death from the process's exit event, which may come after the
            // reap: then this call is the one that finds the worker dead, and says so.
            Assert.Contains("\"count\":1", plugin.Call("count_vowels", "a"));
        }
        catch (ExtismWorkerException e)
        {
            Assert.Equal(WorkerExitReason.Killed, e.Reason);
        }
        Assert.Contains("\"count\":2", plugin.Call("count_vowels", "ae"));
        Assert.NotEqual(pid, Assert.Single(IsolatedHosting.WorkerPids()));
        await host.StopAsync();
    }

    internal sealed class Counter
    {
        private int _value;

        internal int Value => Volatile.Read(ref _value);

        internal void Increment() => Interlocked.Increment(ref _value);
    }
}

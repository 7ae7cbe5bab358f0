using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests.Isolation;

/// <summary>Reloading an isolated plug-in: a new pool swapped in, the old one ending after its running calls.</summary>
[Collection(IsolatedHosting.Collection)]
public class IsolatedReloadTests
{
    private static readonly SemaphoreSlim NoGate = new(int.MaxValue);

    private static (IHost Host, ExtismIsolatedPlugin Plugin) Start(string wasm, SemaphoreSlim gate, IConfiguration? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ExtismIsolatedPluginBuilder plugin = configuration is null
            ? builder.Services.AddExtismIsolatedPlugin("r", o =>
            {
                o.Manifest = new Manifest(new PathWasmSource(wasm));
                o.ReloadDebounce = TimeSpan.FromMilliseconds(100); // one reload per replacement
                o.Worker.MaxWorkers = 2;
            })
            : builder.Services.AddExtismIsolatedPlugin("r", configuration);
        // The host function the "slow" export waits in: the call stays in flight until the test releases it.
        plugin.AddHostFunctions(_ => [new IsolatedHostFunction("block", [], [], gate, static (p, _, _) => p.GetUserData<SemaphoreSlim>()!.Wait(TimeSpan.FromSeconds(30)))]);
        IHost host = builder.Build();
        return (host, host.Services.GetRequiredKeyedService<ExtismIsolatedPlugin>("r"));
    }

    [Fact]
    public async Task ANewModuleServesNewCallsWhileACallInFlightFinishesOnTheOldWorkers()
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("answer.wasm");
        File.WriteAllText(wasm, IsolatedHosting.Answering("one"));
        using var gate = new SemaphoreSlim(0);
        var (host, plugin) = Start(wasm, gate);
        using (host)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await host.StartAsync();
            TimeSpan start = clock.Elapsed;
            Assert.Equal("one", plugin.Call("answer", ""));
            clock.Restart();
            const int calls = 2000;
            for (int i = 0; i < calls; i++) plugin.Call("answer", "");
            TimeSpan perCall = clock.Elapsed / calls;
            Task<string> inFlight = plugin.CallAsync("slow", "");
            await Wait.Until(() => plugin.Workers == 1 && IsolatedHosting.WorkerProcesses() is null or 1, "the slow call to hold the worker");

            clock.Restart();
            TestWasm.ReplaceByRename(wasm, IsolatedHosting.Answering("two"));
            await Wait.Until(() => plugin.Generation >= 2, "the reload");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"host start with one worker: {start.TotalMilliseconds:F0} ms; call through ExtismIsolatedPlugin: {perCall.TotalMicroseconds:F1} µs; file replaced to new generation serving: {clock.Elapsed.TotalMilliseconds:F0} ms (debounce 100 ms included)");
            Assert.Equal("two", plugin.Call("answer", ""));
            Assert.False(inFlight.IsCompleted);
            Assert.Equal(2, IsolatedHosting.WorkerProcesses() ?? 2); // the old pool's busy worker and the new pool's

            gate.Release(1);
            Assert.Equal("one", await inFlight); // not killed: it finished on the old code
            // The old pool is disposed once its last call returned: only the new worker is left.
            await Wait.Until(() => IsolatedHosting.WorkerProcesses() is null or 1, "the old pool's worker to end");
            Assert.Equal("two", await plugin.CallAsync("answer", ""));
            await host.StopAsync();
        }
        await IsolatedHosting.NoWorkersLeft();
    }

    [Fact]
    public async Task DisposingTheHostEndsAReplacedPoolThatStillRunsACall()
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("answer.wasm");
        File.WriteAllText(wasm, IsolatedHosting.Answering("one"));
        using var gate = new SemaphoreSlim(0);
        var (host, plugin) = Start(wasm, gate);
        Task<string> inFlight;
        using (host)
        {
            await host.StartAsync();
            inFlight = plugin.CallAsync("slow", "");
            await Wait.Until(() => IsolatedHosting.WorkerProcesses() is null or 1, "the slow call to hold the worker");
            TestWasm.ReplaceByRename(wasm, IsolatedHosting.Answering("two"));
            await Wait.Until(() => plugin.Generation >= 2, "the reload");
            Assert.False(inFlight.IsCompleted);
        }
        // The old generation was still running the call: the host's disposal killed its worker too.
        // (The host function itself runs in this process and is not interrupted: release it.)
        await IsolatedHosting.NoWorkersLeft();
        gate.Release(10);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => inFlight);
    }

    [Fact]
    public async Task AModuleThatDoesNotLoadIsRefusedAndTheRunningOneKeepsServing()
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("answer.wasm");
        File.WriteAllText(wasm, IsolatedHosting.Answering("one"));
        var (host, plugin) = Start(wasm, NoGate);
        using (host)
        {
            await host.StartAsync();
            IsolatedPluginRuntime runtime = host.Services.GetRequiredKeyedService<IsolatedPluginRuntime>("r");
            // Valid wasm, but it imports what no one provides: only creating it in a worker finds that out.
            TestWasm.ReplaceByRename(wasm, "(module (import \"nowhere\" \"missing\" (func)))");
            await Wait.Until(() => runtime.LastReloadError is not null, "the reload to fail");
            Assert.Equal(1, plugin.Generation);
            Assert.Equal("one", plugin.Call("answer", ""));
            await Wait.Until(() => IsolatedHosting.WorkerProcesses() is null or 1, "the failed pool's worker to be gone");

            TestWasm.ReplaceByRename(wasm, IsolatedHosting.Answering("three"));
            await Wait.Until(() => plugin.Generation >= 2, "the next reload");
            Assert.Null(runtime.LastReloadError);
            Assert.Equal("three", plugin.Call("answer", ""));
            await host.StopAsync();
        }
        await IsolatedHosting.NoWorkersLeft();
    }

    [Fact]
    public async Task AChangedWorkerSectionReloadsWithTheNewLimits()
    {
        using var dir = new TempDirectory();
        string wasm = dir.File("answer.wasm");
        File.WriteAllText(wasm, IsolatedHosting.Answering("one"));
        string json = dir.File("plugins.json");
        string Settings(int workers) => $$"""
            { "Extism": { "Plugins": { "r": {
                "Wasm": [ { "Path": "{{wasm.Replace("\\", "\\\\")}}" } ],
                "Worker": { "MaxWorkers": {{workers}} }, "ReloadDebounce": "20" } } } }
            """;
        File.WriteAllText(json, Settings(1));
        var configuration = new ConfigurationBuilder().AddJsonFile(json, optional: false, reloadOnChange: true).Build();
        var (host, plugin) = Start(wasm, NoGate, configuration.GetSection("Extism:Plugins:r"));
        using (host)
        {
            await host.StartAsync();
            Assert.Equal(1, plugin.MaxWorkers);
            File.WriteAllText(json, Settings(4));
            // ">= 2": a file write may raise the configuration's change token more than once.
            await Wait.Until(() => plugin.Generation >= 2 && plugin.MaxWorkers == 4, "the configuration change to reload the plug-in");
            Assert.Equal("one", plugin.Call("answer", ""));

            // An invalid change is refused, naming the key; generation 2 keeps serving.
            IsolatedPluginRuntime runtime = host.Services.GetRequiredKeyedService<IsolatedPluginRuntime>("r");
            await Task.Delay(200); // let any repeated change event of the previous write pass
            int generation = plugin.Generation;
            File.WriteAllText(json, Settings(4).Replace("\"MaxWorkers\": 4", "\"MaxWorkers\": 0"));
            await Wait.Until(() => runtime.LastReloadError is not null, "the invalid change to be refused");
            Assert.Contains("Extism:Plugins:r:Worker:MaxWorkers", runtime.LastReloadError);
            Assert.Equal(generation, plugin.Generation);
            Assert.Equal("one", plugin.Call("answer", ""));
            await host.StopAsync();
        }
        await IsolatedHosting.NoWorkersLeft();
    }
}

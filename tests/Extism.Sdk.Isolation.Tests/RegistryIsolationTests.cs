using System.Text;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>PluginRegistryOptions.ProcessIsolation: every key in its own worker pool, within the registry's budgets.</summary>
public class RegistryIsolationTests
{
    private static PluginRegistry Registry(PluginResolver resolver, Action<PluginRegistryOptions>? configure = null)
    {
        var options = new PluginRegistryOptions
        {
            ProcessIsolation = new IsolatedPluginPoolOptions { Name = "registry-" + Guid.NewGuid().ToString("N") },
            MaxInstancesPerPlugin = 1,
            BudgetWaitTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return new PluginRegistry(resolver, options);
    }

    /// <summary>Keys name test plug-ins; "hostile" gets its host functions.</summary>
    private static ValueTask<PluginDefinition> ByName(string key, CancellationToken _) => ValueTask.FromResult(new PluginDefinition(TestPlugins.Manifest(key.Split('#')[0]))
    {
        IsolatedFunctions = key.StartsWith("hostile", StringComparison.Ordinal) ? TestPlugins.HostileFunctions() : [],
    });

    [Fact]
    public async Task EachKeyRunsInItsOwnWorkerAndItsSlotsCountAsLiveInstances()
    {
        using PluginRegistry registry = Registry(ByName, o => o.MaxInstancesPerPlugin = 2);
        Assert.Contains("\"count\":3", await registry.CallAsync("count_vowels", "count_vowels", "aei"));
        Assert.Equal("hi", await registry.CallAsync("echo", "echo", "hi"));
        Assert.True(registry.IsCompiled("count_vowels"));
        Assert.Equal(2, registry.CompiledModules);
        Assert.Equal(4, registry.LiveInstances); // 2 worker slots per key, reserved when the key became ready
        int worker = Assert.Single(registry.WorkerIdsOf("count_vowels"));
        Assert.NotEqual(Environment.ProcessId, worker);
        Assert.DoesNotContain(worker, registry.WorkerIdsOf("echo"));
        await Assert.ThrowsAsync<NotSupportedException>(() => registry.RentAsync("echo"));
    }

    [Theory]
    [InlineData("error_forge")]
    [InlineData("config_forge")]
    [InlineData("var_forge")]
    public async Task ALibextismCrashInOneKeyCostsItsWorkerOnlyAndTheKeyHeals(string attack)
    {
        using PluginRegistry registry = Registry(ByName);
        Assert.Equal("hi", await registry.CallAsync("echo", "echo", "hi"));
        int echoWorker = Assert.Single(registry.WorkerIdsOf("echo"));
        Assert.Equal("hello", Encoding.ASCII.GetString(await registry.CallAsync("hostile", "hello", TestPlugins.HostileInput())));

        var death = await Assert.ThrowsAsync<ExtismWorkerException>(() => registry.CallAsync("hostile", attack, TestPlugins.HostileInput()));
        Assert.Equal(WorkerExitReason.Crashed, death.Reason);

        Assert.Equal("hi", await registry.CallAsync("echo", "echo", "hi"));
        Assert.Equal(echoWorker, Assert.Single(registry.WorkerIdsOf("echo"))); // the other tenant's worker never noticed
        Assert.Equal("hello", Encoding.ASCII.GetString(await registry.CallAsync("hostile", "hello", TestPlugins.HostileInput())));
    }

    [Fact]
    public async Task AFullInstanceBudgetEvictsTheLeastRecentlyUsedKeyAndEndsItsWorker()
    {
        using PluginRegistry registry = Registry(ByName, o => o.MaxLiveInstances = 2);
        await registry.CallAsync("echo#a", "echo", "a");
        await registry.CallAsync("echo#b", "echo", "b");
        int first = Assert.Single(registry.WorkerIdsOf("echo#a"));
        await registry.CallAsync("echo#b", "echo", "b"); // a is now the least recently used
        Assert.Equal("c", await registry.CallAsync("echo#c", "echo", "c"));
        Assert.False(registry.IsCompiled("echo#a"));
        Assert.True(registry.IsCompiled("echo#b"));
        Assert.Equal(2, registry.LiveInstances);
        for (int i = 0; i < 200 && TestPlugins.IsRunning(first); i++) await Task.Delay(25);
        Assert.False(TestPlugins.IsRunning(first), "the evicted key's worker ended");
    }

    [Fact]
    public async Task AKeyInUseIsNotEvictedAndTheCallerWaitingForRoomGetsABudgetError()
    {
        using var release = new SemaphoreSlim(0);
        var blocking = new IsolatedHostFunction("transform", [ExtismValType.I64], [ExtismValType.I64], release,
            static (plugin, inputs, outputs) =>
            {
                plugin.GetUserData<SemaphoreSlim>()!.Wait(TimeSpan.FromSeconds(30));
                outputs[0].v.i64 = 0;
            });
        using PluginRegistry registry = Registry(
            (key, _) => ValueTask.FromResult(new PluginDefinition(TestPlugins.Manifest(key)) { IsolatedFunctions = key == "host_bytes" ? [blocking] : [] }),
            o =>
            {
                o.MaxLiveInstances = 1;
                o.BudgetWaitTimeout = TimeSpan.FromMilliseconds(300);
            });
        Task<byte[]> busy = registry.CallAsync("host_bytes", "call_transform", "x"u8.ToArray());
        for (int i = 0; i < 400 && registry.WorkerIdsOf("host_bytes").Length == 0; i++) await Task.Delay(25);
        var refused = await Assert.ThrowsAsync<PluginBudgetExceededException>(() => registry.CallAsync("echo", "echo", "e"));
        Assert.Equal(PluginRegistryBudget.LiveInstances, refused.Budget);
        release.Release();
        await busy;
        Assert.Equal("e", await registry.CallAsync("echo", "echo", "e")); // now host_bytes is idle and evictable
    }

    [Fact]
    public async Task AKeyThatDoesNotLoadFailsItsCallersAndIsTriedAgainNextTime()
    {
        int resolves = 0;
        using PluginRegistry registry = Registry((key, _) =>
        {
            Interlocked.Increment(ref resolves);
            return ValueTask.FromResult(new PluginDefinition("(module (import \"nowhere\" \"missing\" (func)))"u8.ToArray()));
        });
        ExtismException first = await Assert.ThrowsAnyAsync<ExtismException>(() => registry.CallAsync("broken", "run", ""));
        Assert.NotEqual(ExtismErrorKind.FunctionNotFound, first.Kind);
        Assert.False(registry.IsCompiled("broken"));
        Assert.Equal(0, registry.CompiledModules);
        Assert.Equal(0, registry.LiveInstances);
        await Assert.ThrowsAnyAsync<ExtismException>(() => registry.CallAsync("broken", "run", ""));
        Assert.Equal(2, resolves);
    }

    [Fact]
    public async Task InProcessHostFunctionsAreRefusedWithTheReason()
    {
        using var function = HostFunction.FromMethod<long, long>("transform", null, static (_, x) => x);
        using PluginRegistry registry = Registry((_, _) => ValueTask.FromResult(new PluginDefinition(TestPlugins.Manifest("host_bytes")) { Functions = [function] }));
        var functions = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.CallAsync("functions", "call_transform", ""));
        Assert.Contains("IsolatedFunctions", functions.Message);
    }

    [Fact]
    public async Task TheRegistrysFuelLimitAppliesInTheWorkersUnlessTheDefinitionSetsOne()
    {
        using PluginRegistry registry = Registry((key, _) => ValueTask.FromResult(new PluginDefinition(TestPlugins.Manifest("outcomes"))
        {
            Options = key == "own" ? new PluginInitializationOptions { FuelLimit = 20_000_000_000 } : null,
        }), o => o.ProcessIsolation!.FuelLimit = 1_000_000);
        byte[] longRun = TestPlugins.U64(50_000_000);
        await Assert.ThrowsAsync<ExtismFuelExhaustedException>(() => registry.CallAsync("shared", "busy", longRun));
        Assert.Equal("done", Encoding.ASCII.GetString(await registry.CallAsync("shared", "busy", TestPlugins.U64(1000))));
        Assert.Equal("done", Encoding.ASCII.GetString(await registry.CallAsync("own", "busy", longRun))); // the definition's limit wins
    }

    [Fact]
    public async Task TheRegistrysCpuLimitReachesTheWorkers()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("RLIMIT_CPU is set by the worker on Linux only");
        using PluginRegistry registry = Registry(ByName, o =>
        {
            o.ProcessIsolation!.MaxWorkerCpuTime = TimeSpan.FromSeconds(1);
            o.ProcessIsolation.CallDeadline = TimeSpan.FromSeconds(15); // only so that a failure does not hang
        });
        var death = await Assert.ThrowsAsync<ExtismWorkerException>(() => registry.CallAsync("outcomes", "spin", ReadOnlyMemory<byte>.Empty));
        Assert.Equal(WorkerExitReason.CpuLimit, death.Reason);
    }

    [Fact]
    public async Task InvalidateEndsTheWorkersOnceTheRunningCallReturns()
    {
        using PluginRegistry registry = Registry(ByName);
        Assert.Equal("x", await registry.CallAsync("echo", "echo", "x"));
        int worker = Assert.Single(registry.WorkerIdsOf("echo"));
        Assert.True(registry.Invalidate("echo"));
        Assert.Equal(0, registry.LiveInstances);
        for (int i = 0; i < 200 && TestPlugins.IsRunning(worker); i++) await Task.Delay(25);
        Assert.False(TestPlugins.IsRunning(worker));
        Assert.Equal("y", await registry.CallAsync("echo", "echo", "y")); // resolved and started again
        Assert.NotEqual(worker, Assert.Single(registry.WorkerIdsOf("echo")));
    }
}

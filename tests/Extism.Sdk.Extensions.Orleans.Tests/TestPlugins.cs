using System.Collections.Concurrent;
using System.Text;
using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>
/// The plug-ins the test silos resolve, by key prefix, generated as WAT text (libextism compiles
/// text too): <c>answer/…</c> outputs <c>key#generation</c> (the generation counts this key's
/// resolutions in the whole process, so a reload shows); <c>json/…</c> the same as a JSON string; <c>trap/…</c> traps; <c>spin/…</c> loops
/// until interrupted; <c>meet/…</c> calls the host function <c>rendezvous</c> (from the silo's DI)
/// and outputs what it returned. Anything else is unknown (<see cref="KeyNotFoundException"/>).
/// </summary>
internal static class TestPlugins
{
    /// <summary>Every resolution in this process: key → the silos that resolved (compiled) it, in order.</summary>
    internal static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Compilations = new(StringComparer.Ordinal);

    internal static IReadOnlyList<string> CompiledOn(string key) => Compilations.TryGetValue(key, out var silos) ? silos.ToArray() : [];

    internal static PluginResolver Resolver(IServiceProvider services)
    {
        string silo = services.GetRequiredService<ILocalSiloDetails>().Name;
        HostFunction rendezvous = services.GetRequiredService<Rendezvous>().Function;
        return (key, _) =>
        {
            ConcurrentQueue<string> silos = Compilations.GetOrAdd(key, _ => new());
            silos.Enqueue(silo);
            string wat = key switch
            {
                _ when key.StartsWith("answer/", StringComparison.Ordinal) => Answering($"{key}#{silos.Count}"),
                _ when key.StartsWith("json/", StringComparison.Ordinal) => Answering($"\"{key}#{silos.Count}\""),
                _ when key.StartsWith("trap/", StringComparison.Ordinal) => Body("(unreachable)"),
                _ when key.StartsWith("spin/", StringComparison.Ordinal) => Body("(loop $l (br $l))"),
                _ when key.StartsWith("meet/", StringComparison.Ordinal) => Meeting,
                _ => throw new KeyNotFoundException($"No plug-in is registered under '{key}'."),
            };
            var definition = new PluginDefinition(Encoding.UTF8.GetBytes(wat)) { Functions = key.StartsWith("meet/", StringComparison.Ordinal) ? [rendezvous] : [] };
            return ValueTask.FromResult(definition);
        };
    }

    /// <summary>WAT of a plug-in whose <c>run</c> outputs <paramref name="answer"/> (ASCII) whatever the input.</summary>
    internal static string Answering(string answer)
    {
        var body = new StringBuilder();
        for (int i = 0; i < answer.Length; i++) body.Append($"(call $store_u8 (i64.add (local.get $p) (i64.const {i})) (i32.const {(int)answer[i]}))\n");
        return $$"""
            (module
              (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
              (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
              (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
              (memory (export "memory") 1)
              (func (export "run") (result i32) (local $p i64)
                (local.set $p (call $alloc (i64.const {{answer.Length}})))
                {{body}}
                (call $output_set (local.get $p) (i64.const {{answer.Length}}))
                (i32.const 0)))
            """;
    }

    private static string Body(string code) => $$"""
        (module
          (memory (export "memory") 1)
          (func (export "run") (result i32) {{code}} (i32.const 0)))
        """;

    /// <summary>Outputs one byte: what <c>rendezvous</c> returned (1 when the other caller arrived in time).</summary>
    private const string Meeting = """
        (module
          (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
          (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
          (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
          (import "extism:host/user" "rendezvous" (func $rendezvous (result i32)))
          (memory (export "memory") 1)
          (func (export "run") (result i32) (local $p i64)
            (local.set $p (call $alloc (i64.const 1)))
            (call $store_u8 (local.get $p) (i32.add (i32.const 48) (call $rendezvous)))
            (call $output_set (local.get $p) (i64.const 1))
            (i32.const 0)))
        """;
}

/// <summary>
/// A host function from DI: two calls meet (each waits up to 10 s for the other). A plug-in whose
/// calls were served one at a time would never see its partner and output 0.
/// </summary>
internal sealed class Rendezvous
{
    private readonly Barrier _barrier = new(2);

    public Rendezvous() => Function = HostFunction.FromMethod("rendezvous", null, _ => _barrier.SignalAndWait(TimeSpan.FromSeconds(10)) ? 1 : 0);

    internal HostFunction Function { get; }
}

/// <summary>Each test silo: plug-in grains with a small registry, configured from an in-memory IConfiguration.</summary>
internal sealed class TestSilo : ISiloConfigurator
{
    internal static IConfiguration Settings { get; } = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Extism:Registry:MaxLiveInstances"] = "64",
        ["Extism:Registry:MaxInstancesPerPlugin"] = "4",
        ["Extism:Registry:MemoryBudget"] = "256MiB",
        ["Extism:Registry:BudgetWaitTimeout"] = "5000",
        ["Extism:Cluster:Shards:answer/hot"] = "3",
        ["Extism:Cluster:MaxAttempts"] = "8",
        ["Extism:Cluster:RetryDelay"] = "100",
    }).Build();

    public void Configure(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<Rendezvous>();
        silo.AddExtismPlugins(Settings.GetSection("Extism"), TestPlugins.Resolver);
        TestClusterTiming.Apply(silo.Services);
    }
}

/// <summary>The test client: the cluster client with the same Cluster section.</summary>
internal sealed class TestClient : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder client)
    {
        client.AddExtismPluginClient(TestSilo.Settings.GetSection("Extism:Cluster"));
        TestClusterTiming.Apply(client.Services);
    }
}

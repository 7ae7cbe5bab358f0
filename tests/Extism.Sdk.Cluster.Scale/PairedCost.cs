using System.Diagnostics;
using Extism.Sdk.Extensions.Orleans;
using Extism.Sdk.Scale;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.TestingHost;

namespace Extism.Sdk.Cluster.Scale;

/// <summary>
/// `paired`: the per-call cost of the grain path against <see cref="PluginRegistry.CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>,
/// one warm key, one caller, sequential calls. Each round times a block of calls on every path, in
/// a rotating order, so the machine's noise hits all paths alike; the report gives each path's
/// median µs per call over the rounds and its median paired difference from the registry.
/// </summary>
internal static class PairedCost
{
    internal static async Task<int> RunAsync(int rounds, int block)
    {
        await using SimCluster sim = await SimCluster.StartAsync();
        const string key = "m1";
        ExtismPluginCluster client = sim.Plugins;
        byte[] input = CountVowelsModule.Input;
        await client.CallAsync(key, CountVowelsModule.Export, input);
        string holder = (await client.GetGrain(key).GetStatusAsync()).Silo;
        SiloHandle home = sim.Cluster.Silos.Single(s => s.Name == holder);
        SiloHandle other = sim.Cluster.Silos.First(s => s.Name != holder);
        PluginRegistry registry = SimCluster.RegistryOf(home);
        IPluginGrain fromHome = ((InProcessSiloHandle)home).ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IPluginGrain>(0, key, null);
        IPluginGrain fromOther = ((InProcessSiloHandle)other).ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IPluginGrain>(0, key, null);

        (string Name, Func<Task<byte[]>> Call)[] paths =
        [
            ("PluginRegistry.CallAsync (on the silo holding the key)", () => registry.CallAsync(key, CountVowelsModule.Export, input)),
            ("grain, called on the same silo", () => fromHome.CallAsync(CountVowelsModule.Export, input)),
            ("grain, called from another silo (TCP on 127.0.0.1)", () => fromOther.CallAsync(CountVowelsModule.Export, input)),
            ("ExtismPluginCluster from the client (via a gateway silo)", () => client.CallAsync(key, CountVowelsModule.Export, input)),
        ];
        foreach (var path in paths)
        {
            for (int i = 0; i < block; i++) Check(await path.Call()); // warm every path
        }
        var perCall = paths.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int j = 0; j < paths.Length; j++)
            {
                int p = (round + j) % paths.Length;
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < block; i++) Check(await paths[p].Call());
                perCall[p].Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds / block);
            }
        }
        Console.WriteLine($"Paired per-call cost, {rounds} rounds × {block} sequential calls per path, key '{key}' on {holder}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg")[..14]}");
        Console.WriteLine();
        Console.WriteLine("| path | median µs/call | p10 / p90 µs/call | median paired difference from the registry |");
        Console.WriteLine("|---|---|---|---|");
        for (int p = 0; p < paths.Length; p++)
        {
            double[] v = perCall[p].Order().ToArray();
            double[] diff = perCall[p].Zip(perCall[0], (a, b) => a - b).Order().ToArray();
            Console.WriteLine($"| {paths[p].Name} | {Median(v):F1} | {v[v.Length / 10]:F1} / {v[v.Length * 9 / 10]:F1} | {(p == 0 ? "-" : $"+{Median(diff):F1} µs")} |");
        }
        return 0;
    }

    private static double Median(double[] sorted) => sorted[sorted.Length / 2];

    private static void Check(byte[] output)
    {
        if (!CountVowelsModule.IsExpected(1, output)) throw new InvalidOperationException("m1 returned a wrong result");
    }
}

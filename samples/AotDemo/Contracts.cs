// The generated contracts under NativeAOT: a [PluginInterface] client, [HostFunction] methods
// taking and returning JSON, and the bindings of an XTP schema (kitchen.xtp.yaml). The generated
// code uses no reflection, so publishing with trimming and AOT warnings as errors proves it.
using Extism.Sdk;

namespace AotDemo;

/// <summary>json_transform.wasm's summarize, as a typed client.</summary>
[PluginInterface]
[ExtismJsonContext(typeof(DemoJson))]
public partial interface ISummarizer
{
    /// <summary>Calls <c>summarize</c>.</summary>
    Summary Summarize(ScoreSheet scores);
}

/// <summary>host_bytes.wasm's transform import as a [HostFunction] method over JSON.</summary>
[ExtismJsonContext(typeof(DemoJson))]
public static partial class Pricing
{
    [HostFunction("transform")]
    private static Receipt Price(Order order) => new(order.Item, order.Quantity * order.UnitPrice);
}

/// <summary>kitchen.xtp.yaml's describe import.</summary>
public partial class KitchenImports
{
    public partial Everything Describe(string input) =>
        new() { Name = input, Fruit = Fruit.Orange, Point = new Point { X = 1, Y = 2 }, ByName = [] };
}

internal static class ContractChecks
{
    public static void Run(Func<string, string> wasm, Action<string, string, string> check)
    {
        using (var plugin = new Plugin(new Manifest(new PathWasmSource(wasm("json_transform.wasm"))), [], withWasi: false))
        {
            Summary summary = ISummarizer.Create(plugin).Summarize(new ScoreSheet("gen", [1, 2]));
            check("generated client", "gen count=2 sum=3 max=2", $"{summary.Name} count={summary.Count} sum={summary.Sum} max={summary.Max}");
        }
        using (var plugin = new Plugin(new Manifest(new PathWasmSource(wasm("host_bytes.wasm"))), Pricing.GetHostFunctions(), withWasi: false))
        {
            check("generated JSON host function", """{"item":"tea","total":8}""", plugin.Call("call_transform", """{"item":"tea","quantity":2,"unitPrice":4}"""));
        }
        using (var plugin = new Plugin(new Manifest(new PathWasmSource(wasm("kitchen.wasm"))), new KitchenImports().GetHostFunctions(), withWasi: false))
        {
            IKitchen kitchen = IKitchen.Create(plugin);
            Everything answer = kitchen.AskHost("aot");
            Everything echoed = kitchen.EchoEverything(answer with { Data = [7], When = DateTimeOffset.UnixEpoch });
            check("XTP bindings", "aot Orange 2 7", $"{echoed.Name} {echoed.Fruit} {echoed.Point.Y} {echoed.Data[0]}");
        }
    }
}

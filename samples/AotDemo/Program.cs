// Runs three plug-ins from a NativeAOT executable, with nothing that needs reflection:
//   1. json_transform.wasm "summarize": typed JSON in and out through source generation;
//   2. kv.wasm "bump": host functions (strings and typed i64 parameters) with user data;
//   3. host_bytes.wasm "call_transform": a JSON host function (HostFunction.ForJson);
//   4. the same kinds of calls through generated contracts (Contracts.cs, kitchen.xtp.yaml).
// Exits 1 if any result differs from what the plug-ins are documented to return.
using System.Text;
using System.Text.Json.Serialization;
using AotDemo;
using Extism.Sdk;

int failures = 0;
void Check(string what, string expected, string actual)
{
    bool ok = expected == actual;
    if (!ok) failures++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}: {actual}{(ok ? "" : $" (expected {expected})")}");
}

string Wasm(string name) => Path.Combine(AppContext.BaseDirectory, name);
Console.WriteLine($"libextism {ExtismRuntime.Version} ({ExtismRuntime.LibraryPath})");

// 1. Source-generated JSON both ways.
using (var plugin = new Plugin(new Manifest(new PathWasmSource(Wasm("json_transform.wasm"))), [], withWasi: false))
{
    Summary? summary = plugin.Call("summarize", new ScoreSheet("aot", [3, 9, -2]), DemoJson.Default.ScoreSheet, DemoJson.Default.Summary!);
    Check("summarize", "aot count=3 sum=10 max=9", $"{summary?.Name} count={summary?.Count} sum={summary?.Sum} max={summary?.Max}");
}

// 2. Host functions over a store passed as user data.
var store = new Dictionary<string, string>();
HostFunction kvRead = HostFunction.ForStrings("kv_read", store, (plugin, key) =>
    plugin.GetUserData<Dictionary<string, string>>()!.GetValueOrDefault(key));
HostFunction kvWrite = HostFunction.FromMethod<long, long>("kv_write", store, (plugin, key, value) =>
    plugin.GetUserData<Dictionary<string, string>>()![plugin.ReadString(key)] = plugin.ReadString(value));
using (var plugin = new Plugin(new Manifest(new PathWasmSource(Wasm("kv.wasm"))), [kvRead, kvWrite], withWasi: false))
{
    plugin.Call("bump", "visits");
    Check("kv bump", "visits=2", plugin.Call("bump", "visits"));
    Check("kv store", "2", store["visits"]);
}

// 3. A host function that takes and returns JSON, with source-generated metadata.
HostFunction price = HostFunction.ForJson("transform", null, DemoJson.Default.Order, DemoJson.Default.Receipt,
    (_, order) => new Receipt(order!.Item, order.Quantity * order.UnitPrice));
using (var plugin = new Plugin(new Manifest(new PathWasmSource(Wasm("host_bytes.wasm"))), [price], withWasi: false))
{
    string receipt = plugin.Call("call_transform", """{"item":"tea","quantity":3,"unitPrice":4}""");
    Check("json host function", """{"item":"tea","total":12}""", receipt);
}

// 4. Generated contracts.
ContractChecks.Run(Wasm, Check);

Console.WriteLine(failures == 0 ? "AotDemo: all checks passed" : $"AotDemo: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

namespace AotDemo
{
    /// <summary>Input of summarize.</summary>
    public sealed record ScoreSheet(string Name, long[] Scores);

    /// <summary>Output of summarize.</summary>
    public sealed record Summary(string Name, long Count, long Sum, long Max);

    /// <summary>What the plug-in hands the transform host function.</summary>
    public sealed record Order(string Item, int Quantity, int UnitPrice);

    /// <summary>What the host function hands back.</summary>
    public sealed record Receipt(string Item, int Total);

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(ScoreSheet))]
    [JsonSerializable(typeof(Summary))]
    [JsonSerializable(typeof(Order))]
    [JsonSerializable(typeof(Receipt))]
    internal sealed partial class DemoJson : JsonSerializerContext;
}

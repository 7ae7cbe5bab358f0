// Calls json_transform.wasm's "summarize" with typed values: the input record is serialized and
// the output deserialized with System.Text.Json source generation (no reflection, so this code
// also works trimmed and under NativeAOT).
using System.Text.Json.Serialization;
using Extism.Sdk;
using TypedJsonSample;

string wasm = Path.Combine(AppContext.BaseDirectory, "json_transform.wasm");
using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), [], withWasi: false);

ScoreSheet[] inputs =
[
    new ScoreSheet("alice", [90, 72, 85]),
    new("bob", [-5, 0, 5, 100]),
    new("carol", []),
];
foreach (ScoreSheet scores in inputs)
{
    Summary? summary = plugin.Call("summarize", scores, SampleJson.Default.ScoreSheet, SampleJson.Default.Summary);
    Console.WriteLine($"{scores.Name,-6} {string.Join(",", scores.Scores),-14} -> count={summary!.Count} sum={summary.Sum} max={summary.Max}");
}

// The plug-in rejects what it cannot read; the error arrives as an ExtismException.
try
{
    plugin.Call("summarize", "{\"name\":\"dave\",\"scores\":[1.5]}");
}
catch (ExtismException e)
{
    Console.WriteLine($"bad input   -> ExtismException: {e.Message}");
}

namespace TypedJsonSample
{
    /// <summary>What summarize takes.</summary>
    public sealed record ScoreSheet(string Name, long[] Scores);

    /// <summary>What summarize returns.</summary>
    public sealed record Summary(string Name, long Count, long Sum, long Max);

    // The generator writes the (de)serialization code for these types at compile time; the
    // plug-in's JSON uses lower-case keys, hence camelCase.
    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(ScoreSheet))]
    [JsonSerializable(typeof(Summary))]
    internal sealed partial class SampleJson : JsonSerializerContext;
}

// Calls json_transform.wasm's "summarize" through a typed interface: IScoreSummarizer is a
// [PluginInterface] whose client the Extism source generator writes; its JSON goes through the
// System.Text.Json source-generated SampleJson context (no reflection, so this code also works
// trimmed and under NativeAOT).
using System.Text.Json.Serialization;
using Extism.Sdk;
using TypedJsonSample;

string wasm = Path.Combine(AppContext.BaseDirectory, "json_transform.wasm");
using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), [], withWasi: false);
IScoreSummarizer summarizer = IScoreSummarizer.Create(plugin);

ScoreSheet[] inputs =
[
    new ScoreSheet("alice", [90, 72, 85]),
    new("bob", [-5, 0, 5, 100]),
    new("carol", []),
];
foreach (ScoreSheet scores in inputs)
{
    Summary summary = summarizer.Summarize(scores);
    Console.WriteLine($"{scores.Name,-6} {string.Join(",", scores.Scores),-14} -> count={summary.Count} sum={summary.Sum} max={summary.Max}");
}
Summary later = await summarizer.SummarizeAsync(new ScoreSheet("dave", [7]));
Console.WriteLine($"async  7              -> count={later.Count} sum={later.Sum} max={later.Max}");

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

    /// <summary>json_transform.wasm's export; the method name gives the export name (summarize).</summary>
    [PluginInterface]
    [ExtismJsonContext(typeof(SampleJson))]
    public partial interface IScoreSummarizer
    {
        Summary Summarize(ScoreSheet scores);

        Task<Summary> SummarizeAsync(ScoreSheet scores, CancellationToken cancellationToken = default);
    }

    // The generator writes the (de)serialization code for these types at compile time; the
    // plug-in's JSON uses lower-case keys, hence camelCase.
    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(ScoreSheet))]
    [JsonSerializable(typeof(Summary))]
    internal sealed partial class SampleJson : JsonSerializerContext;
}

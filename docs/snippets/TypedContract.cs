using System.Text.Json.Serialization;
using Extism.Sdk;

namespace Extism.Docs.Snippets;

// <contract>
// What count_vowels answers: {"count":3,"total":3,"vowels":"aeiouAEIOU"}.
public sealed record VowelCount(int Count, int Total, string Vowels);

// count_vowels writes camelCase keys; without this naming policy the
// record's PascalCase properties match nothing and every field stays at
// its default, with no error.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(VowelCount))]
internal sealed partial class VowelJson : JsonSerializerContext;

[PluginInterface]
[ExtismJsonContext(typeof(VowelJson))]
public partial interface IVowelCounter
{
    // [Export] names the export; without it, the method's name in
    // snake_case without Async is used (CountVowelsAsync -> count_vowels).
    // A string input crosses as UTF-8; the result is read as JSON.
    [Export("count_vowels")]
    VowelCount Count(string text);

    Task<VowelCount> CountVowelsAsync(
        string text, CancellationToken cancellationToken = default);
}
// </contract>

internal static class TypedContract
{
    public static async Task RunAsync()
    {
        // <use>
        var manifest = new Manifest(new PathWasmSource("count_vowels.wasm"));
        using var plugin = new Plugin(manifest, [], withWasi: true);
        IVowelCounter counter = IVowelCounter.Create(plugin);

        VowelCount result = counter.Count("Hello, World!");
        Console.WriteLine(result);

        VowelCount later = await counter.CountVowelsAsync("typed contracts");
        Console.WriteLine($"{later.Count} vowels");
        // </use>
    }
}

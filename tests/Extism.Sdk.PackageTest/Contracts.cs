// The generated contracts, as a customer gets them from the Extism.Sdk package's analyzer:
// [HostFunction] methods, a [PluginInterface] interface and an XTP schema (kitchen.xtp.yaml).
using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Extism.Sdk;

namespace PackageTest;

public static partial class KvHost
{
    public static readonly ConcurrentDictionary<string, string> Store = new();

    [HostFunction("kv_read")]
    public static string? Read(string key) => Store.TryGetValue(key, out string? value) ? value : null;

    [HostFunction("kv_write")]
    public static void Write(CurrentPlugin plugin, string key, string value) => Store[key] = value;
}

public sealed record VowelCount(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("vowels")] string Vowels);

[JsonSerializable(typeof(VowelCount))]
internal sealed partial class PackageJson : JsonSerializerContext;

[PluginInterface]
[ExtismJsonContext(typeof(PackageJson))]
public partial interface IVowelCounter
{
    [Export("count_vowels")] VowelCount Count(string text);

    Task<VowelCount> CountVowelsAsync(string text, CancellationToken cancellationToken = default);
}

/// <summary>kitchen.xtp.yaml's import, implemented by the host.</summary>
public partial class KitchenImports
{
    public partial Everything Describe(string input) => new()
    {
        Name = input,
        When = DateTimeOffset.UnixEpoch,
        Fruit = Fruit.BananaSplit,
        Point = new Point { X = 1, Y = 2 },
        ByName = new() { ["p"] = new Point { X = 3, Y = 4 } },
    };
}

internal static class ContractChecks
{
    public static void Run(string plugins, Action<string, object?, object?> expect)
    {
        using (var kv = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "kv.wasm"))), KvHost.GetHostFunctions(), withWasi: false))
        {
            expect("generated kv bump", "pears=1", kv.Call("bump", "pears"));
            expect("generated kv store", "1", KvHost.Store.GetValueOrDefault("pears"));
        }
        using (var plugin = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "count_vowels.wasm"))), [], withWasi: false))
        {
            IVowelCounter counter = IVowelCounter.Create(plugin);
            expect("IVowelCounter.Count", new VowelCount(3, 3, "aeiouAEIOU"), counter.Count("Hello, World!"));
            expect("IVowelCounter.CountVowelsAsync", 13, counter.CountVowelsAsync("AEIOU aeiou xyz").GetAwaiter().GetResult().Total);
        }
        using (var plugin = new Plugin(new Manifest(new PathWasmSource(Path.Combine(plugins, "kitchen.wasm"))), new KitchenImports().GetHostFunctions(), withWasi: false))
        {
            IKitchen kitchen = IKitchen.Create(plugin);
            expect("XTP shout", "HI", kitchen.Shout("hi"));
            Everything answer = kitchen.AskHost("xtp");
            expect("XTP import + JSON", "xtp/BananaSplit/4", $"{answer.Name}/{answer.Fruit}/{answer.ByName["p"].Y}");
            Everything echoed = kitchen.EchoEverything(answer with { Tags = ["t"], Data = [1, 2] });
            expect("XTP round trip", "t/2", $"{echoed.Tags[0]}/{echoed.Data[1]}");
        }
    }
}

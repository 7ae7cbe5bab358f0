using System.Text.Json;
using Xunit;

namespace Extism.Sdk.Contracts.Tests;

/// <summary>The host functions kitchen.xtp.yaml's imports declare, implemented here.</summary>
public partial class KitchenImports
{
    public int Calls;

    public partial Everything Describe(string input)
    {
        Calls++;
        return XtpTests.Sample(input);
    }
}

/// <summary>kitchen.wasm through the bindings generated from kitchen.xtp.yaml (IKitchen, its models and KitchenJsonContext).</summary>
public sealed class XtpTests
{
    internal static Everything Sample(string name) => new()
    {
        Name = name,
        Count = -12,
        Big = long.MinValue,
        Unsigned = ulong.MaxValue,
        Small = -128,
        Ratio = 0.5f,
        Precise = Math.PI,
        Ok = true,
        When = new DateTimeOffset(2026, 11, 30, 20, 15, 0, TimeSpan.FromHours(1)),
        MaybeWhen = null,
        Data = [0, 1, 254, 255],
        Tags = ["a", "ü", ""],
        Scores = [1.5, null, -2],
        Fruit = Fruit.BananaSplit,
        MaybeFruit = Fruit.Apple,
        Point = new Point { X = 1, Y = 2.5 },
        Points = [new Point { X = -1, Y = 0 }],
        ByName = new() { ["origin"] = new Point { X = 0, Y = 0 } },
        Counts = new() { ["x"] = 7 },
        Extra = JsonDocument.Parse("{\"free\":[1,\"form\"]}").RootElement,
        Counter = 99,
    };

    private static void AssertSame(Everything expected, Everything actual)
    {
        // Records compare arrays and dictionaries by reference: compare the JSON instead.
        Assert.Equal(JsonSerializer.Serialize(expected, KitchenJsonContext.Default.Everything), JsonSerializer.Serialize(actual, KitchenJsonContext.Default.Everything));
    }

    [Fact]
    public async Task Every_XTP_type_makes_a_round_trip_through_the_plugin()
    {
        var imports = new KitchenImports();
        using Plugin plugin = Plugins.Load("kitchen", imports.GetHostFunctions());
        IKitchen kitchen = IKitchen.Create(plugin);
        Everything sent = Sample("round trip");
        AssertSame(sent, kitchen.EchoEverything(sent));
        AssertSame(sent, await kitchen.EchoEverythingAsync(sent));
    }

    [Fact]
    public void The_JSON_uses_the_schema_keys_and_values()
    {
        string json = JsonSerializer.Serialize(Sample("n"), KitchenJsonContext.Default.Everything);
        Assert.Contains("\"name\":\"n\"", json);
        Assert.Contains("\"fruit\":\"banana_split\"", json);
        Assert.Contains("\"maybeWhen\":null", json); // required, nullable: written
        Assert.Contains("\"data\":\"AAH+/w==\"", json); // buffers are base64
        Assert.Contains("\"byName\":{\"origin\":{\"x\":0,\"y\":0}}", json);
        Everything optionalLeftOut = Sample("n") with { Big = null, Counts = null, Extra = null };
        string lean = JsonSerializer.Serialize(optionalLeftOut, KitchenJsonContext.Default.Everything);
        Assert.DoesNotContain("\"big\"", lean);
        Assert.DoesNotContain("\"counts\"", lean);
    }

    [Fact]
    public void Missing_required_properties_and_unknown_enum_values_are_refused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{\"name\":\"x\"}", KitchenJsonContext.Default.Everything));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("\"pear\"", KitchenJsonContext.Default.Fruit));
    }

    [Fact]
    public async Task Text_buffer_boolean_and_empty_exports_work()
    {
        using Plugin plugin = Plugins.Load("kitchen", new KitchenImports().GetHostFunctions());
        IKitchen kitchen = IKitchen.Create(plugin);
        Assert.Equal("HELLO, WÖRLD", kitchen.Shout("hello, wÖrld"));
        Assert.Equal("ABC", await kitchen.ShoutAsync("abc"));
        Assert.Equal([3, 2, 1], kitchen.ReverseBytes([1, 2, 3]));
        Assert.True(kitchen.IsEmpty(""));
        Assert.False(await kitchen.IsEmptyAsync("x"));
        kitchen.Nothing();
        await kitchen.NothingAsync();
    }

    [Fact]
    public async Task Imports_are_host_functions_the_host_implements()
    {
        var imports = new KitchenImports();
        using var compiled = new CompiledPlugin(Plugins.Manifest("kitchen"), imports.GetHostFunctions(), withWasi: false);
        using var pool = new PluginPool(compiled);
        IKitchen kitchen = IKitchen.Create(pool);
        AssertSame(Sample("from the host"), kitchen.AskHost("from the host"));
        AssertSame(Sample("again"), await kitchen.AskHostAsync("again"));
        Assert.Equal(2, imports.Calls);
    }
}

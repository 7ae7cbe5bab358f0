using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>Request type for the JSON helper tests.</summary>
public sealed record HelperRequest(string Name, int[] Scores);

/// <summary>Response type for the JSON helper tests.</summary>
public sealed record HelperResponse(string Greeting, int Total);

/// <summary>Source-generated metadata, so the helper is tested the way trimmed apps use it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HelperRequest))]
[JsonSerializable(typeof(HelperResponse))]
internal sealed partial class HelperJsonContext : JsonSerializerContext;

/// <summary>HostFunction.ForStrings / ForBytes / ForJson through host_bytes.wasm ((i64) -> i64).</summary>
public class HostFunctionHelperTests
{
    private const string NonAscii = "héllo wörld ✓ 日本";

    [Theory]
    [InlineData("call_transform")] // the guest passes a fresh block holding a copy of its input
    [InlineData("call_transform_input")] // the guest passes its input block itself
    public void StringsRoundTripNonAsciiText(string export)
    {
        string? seen = null;
        using var f = HostFunction.ForStrings("transform", null, (_, text) => { seen = text; return "«" + text.ToUpperInvariant() + "» ✓"; });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        Assert.Equal("«HÉLLO WÖRLD ✓ 日本» ✓", plugin.Call(export, NonAscii));
        Assert.Equal(NonAscii, seen);
    }

    [Fact]
    public void EmptyStringsTravelAsOffsetZero()
    {
        var seen = new List<string>();
        using var f = HostFunction.ForStrings("transform", null, (_, text) => { seen.Add(text); return text.Length == 0 ? null : ""; });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        Assert.Equal("", plugin.Call("call_transform", "")); // offset 0 in, null out
        Assert.Equal("", plugin.Call("call_transform", "x")); // "" out also gives offset 0
        Assert.Equal(new[] { "", "x" }, seen);
    }

    [Fact]
    public void BytesEchoTheInputBackWithoutCopyingItIn()
    {
        int calls = 0;
        using var f = HostFunction.ForBytes("transform", null, (_, input) => { calls++; return input; });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        byte[] data = new byte[1 << 20];
        new Random(5).NextBytes(data);
        Assert.True(plugin.Call("call_transform", data).SequenceEqual(data));
        Assert.True(plugin.Call("call_transform_input", data).SequenceEqual(data));
        Assert.Empty(plugin.Call("call_transform", ReadOnlySpan<byte>.Empty).ToArray());
        Assert.Equal(3, calls);
    }

    [Fact]
    public void BytesReturnASliceOrAnyManagedBuffer()
    {
        byte[] reply = "from the host"u8.ToArray();
        using var slice = HostFunction.ForBytes("transform", null, static (_, input) => input.Length > 2 ? input[1..^1] : default);
        using var array = HostFunction.ForBytes("transform", reply, static (plugin, _) => plugin.GetUserData<byte[]>());
        using var literal = HostFunction.ForBytes("transform", null, static (_, _) => "literal"u8);
        using Plugin a = TestPlugins.Load("host_bytes", false, slice);
        using Plugin b = TestPlugins.Load("host_bytes", false, array);
        using Plugin c = TestPlugins.Load("host_bytes", false, literal);
        Assert.Equal("bcd", a.Call("call_transform", "abcde"));
        Assert.Equal("", a.Call("call_transform", "ab"));
        Assert.Equal("from the host", b.Call("call_transform", "x"));
        Assert.Equal("literal", c.Call("call_transform_input", ""));
    }

    [Fact]
    public void OneMebibyteOfTextCrossesAHostFunctionBothWays()
    {
        string big = string.Concat(Enumerable.Repeat(NonAscii, (1 << 20) / Encoding.UTF8.GetByteCount(NonAscii) + 1));
        using var f = HostFunction.ForStrings("transform", null, static (_, text) => text + "!");
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        Assert.Equal(big + "!", plugin.Call("call_transform", big));
    }

    [Fact]
    public void JsonIsReadAndWrittenWithSourceGeneratedMetadata()
    {
        HelperRequest? seen = null;
        using var f = HostFunction.ForJson("transform", null, HelperJsonContext.Default.HelperRequest, HelperJsonContext.Default.HelperResponse,
            (_, request) =>
            {
                seen = request;
                return request is null ? new HelperResponse("nobody", 0) : new HelperResponse($"hi {request.Name}", request.Scores.Sum());
            });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        byte[] json = plugin.Call("call_transform", """{"name":"Zoë","scores":[1,2,3]}"""u8).ToArray();
        Assert.Equal(new HelperResponse("hi Zoë", 6), JsonSerializer.Deserialize(json, HelperJsonContext.Default.HelperResponse));
        Assert.StartsWith("""{"greeting":"hi Zo""", Encoding.UTF8.GetString(json)); // camelCase from the context's options
        Assert.Equal("Zoë", seen!.Name);
        // Empty input is offset 0, which reads as default.
        Assert.Equal("""{"greeting":"nobody","total":0}""", plugin.Call("call_transform", ""));
        Assert.Null(seen);
    }

    [Fact]
    public void InvalidJsonFailsTheCallWithTheJsonException()
    {
        using var f = HostFunction.ForJson("transform", null, HelperJsonContext.Default.HelperRequest, HelperJsonContext.Default.HelperResponse,
            static (_, _) => new HelperResponse("unreached", 0));
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        var e = Assert.Throws<ExtismException>(() => plugin.Call("call_transform", "{not json"));
        Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
        Assert.IsAssignableFrom<JsonException>(e.InnerException);
        Assert.Equal("""{"greeting":"unreached","total":0}""", plugin.Call("call_transform", """{"name":"a","scores":[]}"""));
    }

    [Fact]
    public void HelpersHaveTheOffsetInOffsetOutSignature()
    {
        using var s = HostFunction.ForStrings("a", null, static (_, t) => t);
        using var b = HostFunction.ForBytes("b", null, static (_, i) => i);
        Assert.Equal(new[] { Native.ExtismValType.I64 }, s.InputTypes);
        Assert.Equal(new[] { Native.ExtismValType.I64 }, b.OutputTypes);
        Assert.Throws<ArgumentNullException>(() => HostFunction.ForBytes("b", null, null!));
        Assert.Throws<ArgumentException>(() => HostFunction.ForStrings("", null, static (_, t) => t));
    }

    [Fact]
    public void PluginToPluginChainThroughHostFunctions()
    {
        // A -> host -> B -> host -> C, three host_bytes instances with different transforms; each
        // host function calls the next plug-in (allowed: it is a different instance).
        using var upper = HostFunction.ForStrings("transform", null, static (_, t) => t.ToUpperInvariant());
        using Plugin c = TestPlugins.Load("host_bytes", false, upper);
        using var viaC = HostFunction.ForBytes("transform", c, static (plugin, input) =>
        {
            byte[] fromC = plugin.GetUserData<Plugin>()!.Call("call_transform", input).ToArray();
            return fromC.Concat("+B"u8.ToArray()).ToArray();
        });
        using Plugin b = TestPlugins.Load("host_bytes", false, viaC);
        using var viaB = HostFunction.ForStrings("transform", b, static (plugin, t) => plugin.GetUserData<Plugin>()!.Call("call_transform_input", "[" + t + "]") + "+A");
        using Plugin a = TestPlugins.Load("host_bytes", false, viaB);
        Assert.Equal("[ÉTÉ ✓]+B+A", a.Call("call_transform", "été ✓"));
        Assert.Equal("[]+B+A", a.Call("call_transform_input", ""));
    }
}

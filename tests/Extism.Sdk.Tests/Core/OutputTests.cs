using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace Extism.Sdk.Tests.Core;

public record VowelCount(int Count, int Total, string Vowels);

[JsonSerializable(typeof(VowelCount))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public partial class TestJsonContext : JsonSerializerContext;

public class OutputTests
{
    [Fact]
    public void CompatCallReturnsAViewValidUntilTheNextCall()
    {
        using var plugin = TestPlugins.Load("echo");
        ReadOnlySpan<byte> first = plugin.Call("echo", "second"u8);
        Assert.Equal("second", Encoding.UTF8.GetString(first));
        plugin.Call("echo", "abc"u8);
        Assert.Equal("abcond", Encoding.UTF8.GetString(first)); // the plug-in's buffer, reused by the next call
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(65_537)]
    [InlineData(1 << 20)]
    public void EchoRoundTripsEverySize(int size)
    {
        using var plugin = TestPlugins.Load("echo");
        byte[] input = new byte[size];
        new Random(size).NextBytes(input);
        Assert.True(input.AsSpan().SequenceEqual(plugin.Call("echo", input)));
    }

    [Fact]
    public void SixtyFourMebibytesInAndOut()
    {
        using var plugin = TestPlugins.Load("echo");
        byte[] input = new byte[64 << 20];
        new Random(64).NextBytes(input);
        var writer = new ArrayBufferWriter<byte>(input.Length);
        Assert.Equal(input.Length, plugin.Call("echo", input, writer));
        Assert.True(input.AsSpan().SequenceEqual(writer.WrittenSpan));
    }

    [Fact]
    public void EmptyInputAndOutput()
    {
        using var plugin = TestPlugins.Load("echo");
        Assert.Equal(0, plugin.Call("echo", ReadOnlySpan<byte>.Empty).Length);
        Assert.Equal("", plugin.Call("echo", ""));
        Assert.Equal(0, plugin.Call("noop", default(ReadOnlySpan<byte>)).Length);
    }

    [Fact]
    public void BufferWriterReceivesTheOutput()
    {
        using var plugin = TestPlugins.Load("echo");
        var writer = new ArrayBufferWriter<byte>();
        writer.Write("prefix:"u8);
        Assert.Equal(5, plugin.Call("echo", "hello"u8, writer));
        Assert.Equal("prefix:hello", Encoding.UTF8.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void InPlaceReaderSeesTheOutput()
    {
        using var plugin = TestPlugins.Load("echo");
        int sum = plugin.Call("echo", new byte[] { 1, 2, 3 }, 10, static (output, start) =>
        {
            int total = start;
            foreach (byte b in output) total += b;
            return total;
        });
        Assert.Equal(16, sum);
    }

    [Fact]
    public void StringCallsUseUtf8BothWays()
    {
        using var plugin = TestPlugins.Load("echo");
        const string text = "héllo wörld ✓ 日本 😀";
        Assert.Equal(text, plugin.Call("echo", text));
        string big = new('ä', 10_000);
        Assert.Equal(big, plugin.Call("echo", big));
    }

    [Fact]
    public void SourceGeneratedJsonOutput()
    {
        using var plugin = TestPlugins.Load("count_vowels");
        VowelCount? first = plugin.Call("count_vowels", "Hello, World!", TestJsonContext.Default.VowelCount);
        Assert.Equal(new VowelCount(3, 3, "aeiouAEIOU"), first);
        VowelCount? second = plugin.Call<string, VowelCount>("count_vowels", "AEIOU aeiou xyz", TestJsonContext.Default.String, TestJsonContext.Default.VowelCount);
        // The input went as a JSON string, quotes included: the vowels are the same.
        Assert.Equal(10, second!.Count);
        Assert.Equal(13, second.Total);
    }

    [Fact]
    public void ReflectionJsonIsCaseInsensitiveByDefault()
    {
        using var plugin = TestPlugins.Load("count_vowels");
        VowelCount? result = plugin.Call<VowelCount>("count_vowels", "aaa");
        Assert.Equal(3, result!.Count);
        var strict = plugin.Call<VowelCount>("count_vowels", "e", new JsonSerializerOptions());
        Assert.Equal(0, strict!.Count); // without case-insensitivity "count" does not fill Count
    }

    [Fact]
    public void ReflectionJsonInputIsSerialised()
    {
        using var plugin = TestPlugins.Load("echo");
        var echoed = plugin.Call<VowelCount, VowelCount>("echo", new VowelCount(1, 2, "x"));
        Assert.Equal(new VowelCount(1, 2, "x"), echoed);
    }
}

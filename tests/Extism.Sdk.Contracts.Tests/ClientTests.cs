using System.Text.Json.Serialization;
using Xunit;

namespace Extism.Sdk.Contracts.Tests;

/// <summary>count_vowels.wasm's output.</summary>
public sealed record VowelCount(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("vowels")] string Vowels);

[JsonSerializable(typeof(VowelCount))]
internal sealed partial class ContractsJson : JsonSerializerContext;

[PluginInterface]
[ExtismJsonContext(typeof(ContractsJson))]
public partial interface IVowelCounter
{
    [Export("count_vowels")] VowelCount Count(string text);

    Task<VowelCount> CountVowelsAsync(string text, CancellationToken cancellationToken = default);

    [Export("count_vowels")] ValueTask<VowelCount?> CountVowelsValueAsync(string text);

    [Export("count_vowels")] byte[] Raw(ReadOnlySpan<byte> text);

    [Export("count_vowels")] Task<string> RawTextAsync(string text);
}

[PluginInterface]
public partial interface IEcho
{
    string Echo(string text);

    Task<ReadOnlyMemory<byte>> EchoAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    void Noop();

    Task NoopAsync();
}

public sealed class ClientTests
{
    [Fact]
    public async Task A_client_over_a_plugin_calls_the_exports()
    {
        using Plugin plugin = Plugins.Load("count_vowels");
        IVowelCounter counter = IVowelCounter.Create(plugin);
        Assert.Equal(new VowelCount(3, 3, "aeiouAEIOU"), counter.Count("Hello, World!"));
        Assert.Equal(new VowelCount(10, 13, "aeiouAEIOU"), await counter.CountVowelsAsync("AEIOU aeiou xyz"));
        Assert.Equal(new VowelCount(0, 13, "aeiouAEIOU"), await counter.CountVowelsValueAsync(""));
        Assert.StartsWith("{\"count\":1,", System.Text.Encoding.UTF8.GetString(counter.Raw("a"u8)));
        Assert.StartsWith("{\"count\":2,", await counter.RawTextAsync("ae"));
    }

    [Fact]
    public async Task A_client_over_a_pool_rents_an_instance_per_call()
    {
        using var compiled = new CompiledPlugin(Plugins.Manifest("count_vowels"), [], withWasi: false);
        using var pool = new PluginPool(compiled, new PluginPoolOptions { MaxSize = 2 });
        IVowelCounter counter = IVowelCounter.Create(pool);
        VowelCount[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => counter.CountVowelsAsync("aaa")));
        Assert.All(results, r => Assert.Equal(3, r.Count));
        Assert.Equal(3, counter.Count("iii").Count);
    }

    [Fact]
    public async Task Bytes_strings_and_void_exports_work_sync_and_async()
    {
        using Plugin plugin = Plugins.Load("echo");
        IEcho echo = IEcho.Create(plugin);
        Assert.Equal("héllo", echo.Echo("héllo"));
        Assert.Equal([1, 2, 3], (await echo.EchoAsync(new byte[] { 1, 2, 3 }, default)).ToArray());
        echo.Noop();
        await echo.NoopAsync();
    }

    [Fact]
    public async Task A_missing_export_and_cancellation_surface_as_the_SDK_reports_them()
    {
        using Plugin plugin = Plugins.Load("count_vowels");
        IEcho wrong = IEcho.Create(plugin);
        Assert.ThrowsAny<ExtismException>(() => wrong.Echo("x"));
        IVowelCounter counter = IVowelCounter.Create(plugin);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => counter.CountVowelsAsync("a", cts.Token));
    }

    [Fact]
    public void Create_refuses_null() =>
        Assert.Throws<ArgumentNullException>(() => IEcho.Create((Plugin)null!));
}

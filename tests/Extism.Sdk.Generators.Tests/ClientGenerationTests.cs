using Xunit;

namespace Extism.Sdk.Generators.Tests;

public sealed class ClientGenerationTests(ITestOutputHelper output)
{
    internal const string Interfaces = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Extism.Sdk;

        namespace TestApp;

        [ExtismJsonContext(typeof(AppJson))]
        [PluginInterface]
        public partial interface IEverything
        {
            [Export("count_vowels")] Item Count(string text);
            Task<Item> CountVowelsAsync(string text, CancellationToken cancellationToken = default);
            ValueTask<Item?> MaybeAsync(Item input);
            void Ping();
            Task PingAsync(CancellationToken cancellationToken);
            ValueTask PingValueAsync();
            byte[] Echo(ReadOnlySpan<byte> data, CancellationToken cancellationToken);
            Task<ReadOnlyMemory<byte>> EchoAsync(ReadOnlyMemory<byte> data);
            Task<byte[]> EchoBytesAsync(byte[]? data);
            [Export("echo")] Task<string> EchoSpanAsync(ReadOnlySpan<byte> data);
            string Greet(string? name);
            Task<string> GreetAsync(string name, CancellationToken cancellationToken = default);
            Item[] Many(Item[] items);
            Task<Item[]?> ManyAsync(string text);
            int Default() => 42;
        }

        public partial interface IBase
        {
            string Hello(string name);
        }

        [PluginInterface]
        public partial interface IDerived : IBase
        {
            string Bye(string name);
        }
        """;

    [Fact]
    public void Generated_clients_compile_without_warnings()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([HostFunctionGenerationTests.JsonContext, Interfaces]);
        foreach (var (name, text) in result.Sources) output.WriteLine($"==== {name}\n{text}");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string everything = result.Sources["TestApp.IEverything.ExtismClient.g.cs"];
        // Export names: [Export] wins; otherwise snake_case without Async.
        Assert.Contains("\"count_vowels\"", everything);
        Assert.Contains("\"ping_value\"", everything);
        Assert.Contains("\"echo_bytes\"", everything);
        Assert.DoesNotContain("\"default\"", everything);
        Assert.Contains("\"hello\"", result.Sources["TestApp.IDerived.ExtismClient.g.cs"]);
    }

    [Theory]
    [InlineData("CountVowelsAsync", "count_vowels")]
    [InlineData("Count", "count")]
    [InlineData("ParseHTTPHeader", "parse_http_header")]
    [InlineData("GetV2Data", "get_v2_data")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("Async", "async")]
    public void Export_names_are_snake_case_without_Async(string method, string export) =>
        Assert.Equal(export, Naming.ExportName(method));
}

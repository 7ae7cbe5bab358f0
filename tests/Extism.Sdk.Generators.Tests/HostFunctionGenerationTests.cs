using Microsoft.CodeAnalysis;
using Xunit;

namespace Extism.Sdk.Generators.Tests;

public sealed class HostFunctionGenerationTests(ITestOutputHelper output)
{
    internal const string JsonContext = """
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;

        namespace TestApp;

        public sealed record Item(string Name, int Count);

        // Stands in for a System.Text.Json generated context (that generator does not run here).
        [JsonSerializable(typeof(Item))]
        [JsonSerializable(typeof(Item[]))]
        public partial class AppJson : JsonSerializerContext
        {
            public AppJson() : base(null) { }
            public static AppJson Default { get; } = new();
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(System.Type type) => null;
        }
        """;

    internal const string EveryType = """
        using System;
        using Extism.Sdk;

        [assembly: ExtismJsonContext(typeof(TestApp.AppJson))]

        namespace TestApp;

        public static partial class AllTypes
        {
            [HostFunction("ints")] public static int Ints(int a, uint b, long c, ulong d) => a;
            [HostFunction("floats")] public static double Floats(float a, double b) => b;
            [HostFunction("flag")] public static bool Flag(CurrentPlugin plugin, bool value) => !value;
            [HostFunction("unsigned")] public static uint Unsigned() => 1;
            [HostFunction("ulong")] public static ulong ULong() => 1;
            [HostFunction("text", Namespace = "env")] public static string? Text(string key, string? maybe) => key;
            [HostFunction("bytes")] public static byte[]? Bytes(byte[] a, byte[]? b, ReadOnlySpan<byte> c, ReadOnlyMemory<byte> d) => a;
            [HostFunction("memory")] public static ReadOnlyMemory<byte> Memory() => default;
            [HostFunction("json")] public static Item? Json(Item item, Item? maybe, Item[] many) => item;
            [HostFunction("none")] public static void None() { }
        }

        public sealed partial class Store
        {
            private int _n;
            [HostFunction("next")] public int Next() => ++_n;
            [HostFunction("add")] public long Add(CurrentPlugin plugin, long value) => _n += (int)value;
        }

        public static partial class Outer
        {
            public partial class Inner<T>
            {
                [HostFunction("nested")] public static void Nested(long x) { }
            }
        }
        """;

    [Fact]
    public void Generated_host_functions_compile_without_warnings()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([JsonContext, EveryType]);
        foreach (var (name, text) in result.Sources) output.WriteLine($"==== {name}\n{text}");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("TestApp.AllTypes.ExtismHostFunctions.g.cs", result.Sources.Keys);
        Assert.Contains("TestApp.Store.ExtismHostFunctions.g.cs", result.Sources.Keys);
        Assert.Contains("TestApp.Outer.Inner{T}.ExtismHostFunctions.g.cs", result.Sources.Keys);
    }

    [Fact]
    public void Isolated_host_functions_leave_out_methods_that_take_CurrentPlugin()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([JsonContext, EveryType]);
        Assert.Empty(result.CompilationDiagnostics);
        string allTypes = result.Sources["TestApp.AllTypes.ExtismHostFunctions.g.cs"];
        string isolated = allTypes[allTypes.IndexOf("GetIsolatedHostFunctions()", StringComparison.Ordinal)..];
        Assert.Contains("IsolatedHostFunction(\"json\"", isolated);
        Assert.Contains("IsolatedHostFunction.ReadJsonBlock<", isolated);
        Assert.DoesNotContain("\"flag\"", isolated); // takes a CurrentPlugin
        // Store's instance methods: one of two takes a CurrentPlugin.
        string store = result.Sources["TestApp.Store.ExtismHostFunctions.g.cs"];
        Assert.Contains("IsolatedHostFunction(\"next\"", store);
        Assert.DoesNotContain("IsolatedHostFunction(\"add\"", store);
    }
}

using System.Reflection;
using System.Runtime.Loader;
using Extism.Sdk.Native;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Extism.Sdk.Generators.Tests;

/// <summary>
/// GetIsolatedHostFunctions(): methods without a plug-in parameter join both sets, CurrentPlugin
/// ones only GetHostFunctions(), RemotePlugin ones only GetIsolatedHostFunctions().
/// </summary>
public sealed class IsolatedHostFunctionGenerationTests(ITestOutputHelper output)
{
    private const string Usings = "using System; using Extism.Sdk;\n[assembly: ExtismJsonContext(typeof(TestApp.AppJson))]\nnamespace TestApp;\n";

    private const string Remote = Usings + """
        public static partial class Remote
        {
            [HostFunction("ints")] public static int Ints(int a, uint b, long c, ulong d) => a;
            [HostFunction("flag")] public static bool Flag(RemotePlugin plugin, bool value) => !value;
            [HostFunction("text", Namespace = "env")] public static string? Text(RemotePlugin plugin, string key, string? maybe) => key;
            [HostFunction("bytes")] public static byte[]? Bytes(byte[] a, byte[]? b, ReadOnlySpan<byte> c, ReadOnlyMemory<byte> d) => a;
            [HostFunction("memory", Namespace = "env")] public static ReadOnlyMemory<byte> Memory() => default;
            [HostFunction("json")] public static Item? Json(RemotePlugin plugin, Item item, Item? maybe, Item[] many) => item;
        }

        // Twins: one import, one method per kind of plug-in.
        public sealed partial class Twins
        {
            [HostFunction("read")] public string Read(CurrentPlugin plugin, string key) => key;
            [HostFunction("read")] public string ReadRemote(RemotePlugin plugin, string key) => key;
            [HostFunction("next")] public int Next() => 1;
        }

        public static partial class InProcessOnly
        {
            [HostFunction("memory")] public static long Memory(CurrentPlugin plugin) => plugin.GetMemory();
        }
        """;

    private GeneratorHarness.Result Run(params string[] sources)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([HostFunctionGenerationTests.JsonContext, .. sources]);
        foreach (var (name, text) in result.Sources) output.WriteLine($"==== {name}\n{text}");
        foreach (Diagnostic d in result.GeneratorDiagnostics.Concat(result.CompilationDiagnostics)) output.WriteLine(d.ToString());
        return result;
    }

    [Fact]
    public void Isolated_sets_compile_without_warnings_for_every_type_and_plugin_parameter()
    {
        GeneratorHarness.Result result = Run(Remote);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string remote = result.Sources["TestApp.Remote.ExtismHostFunctions.g.cs"];
        string isolated = remote[remote.IndexOf("GetIsolatedHostFunctions()", StringComparison.Ordinal)..];
        Assert.Contains("IsolatedHostFunction(\"flag\"", isolated);
        Assert.Contains("IsolatedHostFunction.ReadJsonBlock<", isolated);
        // In-process, the RemotePlugin methods are left out, and the doc comment says so.
        string inProcess = remote[..remote.IndexOf("GetIsolatedHostFunctions()", StringComparison.Ordinal)];
        Assert.Contains("new global::Extism.Sdk.HostFunction(\"ints\"", inProcess);
        Assert.DoesNotContain("HostFunction(\"flag\"", inProcess);
        Assert.Contains("/// Left out: <c>extism:host/user::flag</c> (<see cref=\"Flag\"/> takes a RemotePlugin", inProcess);
        // Only a CurrentPlugin method: no isolated set at all.
        string inProcessOnly = result.Sources["TestApp.InProcessOnly.ExtismHostFunctions.g.cs"];
        Assert.Contains("public static global::Extism.Sdk.HostFunction[] GetHostFunctions()", inProcessOnly);
        Assert.DoesNotContain("GetIsolatedHostFunctions", inProcessOnly);
    }

    [Fact]
    public void Generated_isolated_functions_have_the_declared_names_namespaces_types_and_user_data()
    {
        GeneratorHarness.Result result = Run(Remote);
        Assembly assembly = Load(result.Output);

        var remote = (IsolatedHostFunction[])assembly.GetType("TestApp.Remote")!.GetMethod("GetIsolatedHostFunctions")!.Invoke(null, null)!;
        Assert.Equal(["ints", "flag", "text", "bytes", "memory", "json"], remote.Select(f => f.Name));
        Assert.Equal([HostFunction.DefaultNamespace, HostFunction.DefaultNamespace, "env", HostFunction.DefaultNamespace, "env", HostFunction.DefaultNamespace],
            remote.Select(f => f.Namespace));
        Assert.Equal([ExtismValType.I32, ExtismValType.I32, ExtismValType.I64, ExtismValType.I64], remote[0].InputTypes);
        Assert.Equal([ExtismValType.I32], remote[1].InputTypes); // the RemotePlugin parameter is not an import parameter
        Assert.Equal([ExtismValType.I64, ExtismValType.I64, ExtismValType.I64], remote[5].InputTypes);
        Assert.Equal([ExtismValType.I64], remote[5].OutputTypes);

        Type twinsType = assembly.GetType("TestApp.Twins")!;
        object twins = Activator.CreateInstance(twinsType)!;
        var isolated = (IsolatedHostFunction[])twinsType.GetMethod("GetIsolatedHostFunctions")!.Invoke(twins, null)!;
        var inProcess = (HostFunction[])twinsType.GetMethod("GetHostFunctions")!.Invoke(twins, null)!;
        Assert.Equal(["read", "next"], isolated.Select(f => f.Name));
        Assert.Equal(["read", "next"], inProcess.Select(f => f.Name));
        foreach (HostFunction f in inProcess) f.Dispose();
    }

    [Fact]
    public void An_isolated_set_names_the_CurrentPlugin_methods_it_leaves_out()
    {
        GeneratorHarness.Result result = Run(HostFunctionGenerationTests.EveryType);
        Assert.Empty(result.CompilationDiagnostics);
        string store = result.Sources["TestApp.Store.ExtismHostFunctions.g.cs"];
        string isolated = store[store.IndexOf("GetIsolatedHostFunctions()", StringComparison.Ordinal)..];
        Assert.Contains("IsolatedHostFunction(\"next\"", isolated);
        Assert.DoesNotContain("IsolatedHostFunction(\"add\"", isolated);
        Assert.Contains("/// Left out: <c>extism:host/user::add</c> (<see cref=\"Add\"/> takes a CurrentPlugin, which cannot reach a plug-in in a worker process).", store);
    }

    [Theory]
    [InlineData("RemotePlugin p", "RemotePlugin q")]
    [InlineData("RemotePlugin p", "")]
    [InlineData("", "")]
    public void One_import_twice_for_the_same_kind_of_plugin_is_a_duplicate(string first, string second)
    {
        GeneratorHarness.Result result = Run(Usings + $$"""
            public static partial class Host
            {
                [HostFunction("f")] public static void F({{first}}) { }
                [HostFunction("f")] public static void G({{second}}) { }
            }
            """);
        Diagnostic duplicate = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("EXTISM105", duplicate.Id);
        Assert.Contains("'F'", duplicate.GetMessage());
    }

    [Fact]
    public void A_RemotePlugin_parameter_after_the_first_is_reported_where_it_is()
    {
        string code = Usings + "public static partial class Host { [HostFunction(\"f\")] public static void F(int a, RemotePlugin /*!*/plugin) { } }";
        GeneratorHarness.Result result = Run(code);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("EXTISM102", diagnostic.Id);
        Assert.Equal(code.IndexOf("/*!*/", StringComparison.Ordinal) + 5, diagnostic.Location.SourceSpan.Start);
        Assert.Contains("RemotePlugin (IsolatedPluginPool) as the first parameter", diagnostic.GetMessage());
    }

    [Fact]
    public void Xtp_imports_get_an_isolated_set_too()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([XtpGenerationTests.KitchenHost], [("/src/kitchen.xtp.yaml", XtpGenerationTests.Kitchen, null)]);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("public global::Extism.Sdk.IsolatedHostFunction[] GetIsolatedHostFunctions()", result.Sources["TestApp.IKitchen.XtpImports.g.cs"]);
    }

    private static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        // The harness makes every warning an error (to catch generated ones); the test sources' own
        // missing doc comments must not stop the emit.
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation
            .WithOptions(compilation.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Default))
            .Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(stream);
    }
}

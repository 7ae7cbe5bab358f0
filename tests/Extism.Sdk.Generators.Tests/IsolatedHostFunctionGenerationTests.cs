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
        Assert.Contains("public static global::Extism.Sdk.IsolatedHostFunction[] GetIsolatedHostFunctions()", remote);
        // Only RemotePlugin methods and plain ones: GetHostFunctions() exists only as an error.
        Assert.Contains("[global::System.Obsolete(\"GetHostFunctions() is not available: Flag takes RemotePlugin", remote);
        string inProcess = result.Sources["TestApp.InProcessOnly.ExtismHostFunctions.g.cs"];
        Assert.Contains("public static global::Extism.Sdk.HostFunction[] GetHostFunctions()", inProcess);
        Assert.Contains("[global::System.Obsolete(\"GetIsolatedHostFunctions() is not available: Memory takes CurrentPlugin", inProcess);
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
    public void Calling_an_unavailable_set_fails_to_compile_naming_the_method_to_change()
    {
        GeneratorHarness.Result result = Run(Remote, Usings.Replace("[assembly: ExtismJsonContext(typeof(TestApp.AppJson))]\n", "") + """
            public static class Use
            {
                public static object A() => InProcessOnly.GetIsolatedHostFunctions();
                public static object B() => Remote.GetHostFunctions();
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Diagnostic[] errors = result.CompilationDiagnostics.Where(d => d.Id == "CS0619").ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, d => d.GetMessage().Contains("Memory takes CurrentPlugin, which cannot reach a plug-in in a worker process", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.GetMessage().Contains("Flag takes RemotePlugin", StringComparison.Ordinal));
        Assert.All(errors, d => Assert.Equal("Source2.cs", d.Location.GetLineSpan().Path));
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

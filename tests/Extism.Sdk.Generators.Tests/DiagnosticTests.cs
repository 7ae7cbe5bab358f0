using Microsoft.CodeAnalysis;
using Xunit;

namespace Extism.Sdk.Generators.Tests;

/// <summary>
/// Each diagnostic fires where the problem is. A source marks the expected location with
/// <c>/*!*/</c> right before the token the diagnostic must point at.
/// </summary>
public sealed partial class DiagnosticTests(ITestOutputHelper output)
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Extism.Sdk;\nnamespace TestApp;\n";

    private void AssertSingle(string id, string source, params string[] messageParts)
    {
        string code = Usings + source;
        GeneratorHarness.Result result = GeneratorHarness.Run([HostFunctionGenerationTests.JsonContext, code]);
        Diagnostic[] found = result.GeneratorDiagnostics.Where(d => d.Id == id).ToArray();
        foreach (Diagnostic d in result.GeneratorDiagnostics) output.WriteLine(d.ToString());
        Diagnostic diagnostic = Assert.Single(found);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        int marker = code.IndexOf("/*!*/", StringComparison.Ordinal);
        Assert.True(marker >= 0, "the test source has no /*!*/ marker");
        Assert.Equal("Source1.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(marker + 5, diagnostic.Location.SourceSpan.Start);
        string message = diagnostic.GetMessage();
        foreach (string part in messageParts) Assert.Contains(part, message);
    }

    [Fact]
    public void EXTISM101_non_partial_type() => AssertSingle("EXTISM101",
        "public static class /*!*/Host { [HostFunction(\"f\")] public static void F() { } }",
        "'TestApp.Host' must be declared partial");

    [Fact]
    public void EXTISM101_non_partial_interface() => AssertSingle("EXTISM101",
        "[PluginInterface] public interface /*!*/IApi { string Go(string s); }",
        "'TestApp.IApi' must be declared partial", "Create");

    [Fact]
    public void EXTISM102_unsupported_parameter() => AssertSingle("EXTISM102",
        "public static partial class Host { [HostFunction(\"f\")] public static void F(int a, Action /*!*/callback) { } }",
        "Host.F(int, Action)", "'callback'", "System.Action");

    [Fact]
    public void EXTISM103_unsupported_result() => AssertSingle("EXTISM103",
        "public static partial class Host { [HostFunction(\"f\")] public static ReadOnlySpan<byte> /*!*/F() => default; }",
        "Host.F()", "System.ReadOnlySpan<byte>", "byte[], ReadOnlyMemory<byte>");

    [Fact]
    public void EXTISM104_async_host_function() => AssertSingle("EXTISM104",
        "public static partial class Host { [HostFunction(\"f\")] public static Task<int> /*!*/F() => Task.FromResult(1); }",
        "synchronously");

    [Fact]
    public void EXTISM105_duplicate_import() => AssertSingle("EXTISM105",
        "public static partial class Host { [HostFunction(\"f\")] public static void F() { } [HostFunction(\"f\")] public static void /*!*/G() { } }",
        "'extism:host/user::f'", "'F'");

    [Fact]
    public void EXTISM106_empty_import_name() => AssertSingle("EXTISM106",
        "public static partial class Host { [/*!*/HostFunction(\"\")] public static void F() { } }",
        "Host.F()");

    [Fact]
    public void EXTISM111_property_in_plugin_interface() => AssertSingle("EXTISM111",
        "[PluginInterface] public partial interface IApi { string /*!*/Name { get; } }",
        "member 'Name'", "only methods");

    [Fact]
    public void EXTISM112_more_than_one_input() => AssertSingle("EXTISM112",
        "[PluginInterface] public partial interface IApi { string /*!*/Go(string a, string b); }",
        "IApi.Go(string, string)", "2 inputs");

    [Fact]
    public void EXTISM113_unsupported_input() => AssertSingle("EXTISM113",
        "[PluginInterface] public partial interface IApi { string Go(int /*!*/number); }",
        "'number'", "int");

    [Fact]
    public void EXTISM114_unsupported_result() => AssertSingle("EXTISM114",
        "[PluginInterface] public partial interface IApi { int /*!*/Go(string s); }",
        "result type 'int'");

    [Fact]
    public void EXTISM115_empty_export_name() => AssertSingle("EXTISM115",
        "[PluginInterface] public partial interface IApi { [/*!*/Export(\"\")] string Go(string s); }",
        "IApi.Go(string)");

    [Fact]
    public void EXTISM121_no_json_context() => AssertSingle("EXTISM121",
        "public sealed record Order(int Id);\n[PluginInterface] public partial interface IApi { string Go(Order /*!*/order); }",
        "'TestApp.Order'", "[ExtismJsonContext(typeof(MyJsonContext))]", "'TestApp.IApi'");

    [Fact]
    public void EXTISM122_type_missing_from_context() => AssertSingle("EXTISM122",
        "public sealed record Order(int Id);\n[ExtismJsonContext(typeof(AppJson))] public static partial class Host { [HostFunction(\"f\")] public static void F(Order /*!*/order) { } }",
        "'TestApp.Order'", "[JsonSerializable(typeof(TestApp.Order))]", "'TestApp.AppJson'");

    [Fact]
    public void EXTISM123_context_that_is_not_a_JsonSerializerContext() => AssertSingle("EXTISM123",
        "public sealed record Order(int Id);\n[/*!*/ExtismJsonContext(typeof(string))] public static partial class Host { [HostFunction(\"f\")] public static void F(Order order) { } }",
        "'string'");

    private Diagnostic SchemaDiagnostic(string yaml, string id)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/bad.xtp.yaml", yaml, null)]);
        foreach (Diagnostic d in result.GeneratorDiagnostics) output.WriteLine(d.ToString());
        Assert.Empty(result.Sources);
        return Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
    }

    private static void AssertAt(Diagnostic d, string yaml, string token)
    {
        Assert.Equal("/src/bad.xtp.yaml", d.Location.GetLineSpan().Path);
        Assert.Equal(yaml.IndexOf(token, StringComparison.Ordinal), d.Location.SourceSpan.Start);
    }

    [Fact]
    public void EXTISM131_schema_that_is_not_YAML()
    {
        const string yaml = "version: v1-draft\nexports: [unclosed\n";
        Diagnostic d = SchemaDiagnostic(yaml, "EXTISM131");
        Assert.Contains("bad.xtp.yaml", d.GetMessage());
        Assert.Equal("/src/bad.xtp.yaml", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void EXTISM132_unknown_key_points_at_the_key()
    {
        const string yaml = "version: v1-draft\nexports:\n  go:\n    inptu:\n      type: string\n";
        Diagnostic d = SchemaDiagnostic(yaml, "EXTISM132");
        AssertAt(d, yaml, "inptu");
        Assert.Contains("at 'exports.go.inptu'", d.GetMessage());
    }

    [Fact]
    public void EXTISM132_missing_reference_points_at_the_ref()
    {
        const string yaml = "version: v1-draft\nexports:\n  go:\n    input:\n      contentType: application/json\n      $ref: \"#/components/schemas/Nope\"\n";
        Diagnostic d = SchemaDiagnostic(yaml, "EXTISM132");
        AssertAt(d, yaml, "\"#/components/schemas/Nope\"");
        Assert.Contains("'#/components/schemas/Nope' does not exist", d.GetMessage());
    }

    [Fact]
    public void EXTISM132_bad_type_and_content_type()
    {
        const string yaml = "version: v1-draft\nexports:\n  go:\n    input:\n      contentType: text/html\n      type: string\n";
        Diagnostic d = SchemaDiagnostic(yaml, "EXTISM132");
        AssertAt(d, yaml, "text/html");
        Assert.Contains("exports.go.input.contentType", d.GetMessage());
    }

    [Fact]
    public void EXTISM133_bad_interface_name()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/x.xtp.yaml", "version: v1-draft\nexports: {}\n", "class")]);
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics);
        output.WriteLine(d.ToString());
        Assert.Equal("EXTISM133", d.Id);
        Assert.Contains("'class' is not a valid C# identifier", d.GetMessage());
    }

    [Fact]
    public void Every_diagnostic_has_a_test() =>
        Assert.Equal(Diagnostics.All.Select(d => d.Id).OrderBy(x => x),
            typeof(DiagnosticTests).GetMethods().Select(m => m.Name).Where(n => n.StartsWith("EXTISM")).Select(n => n[..9]).Distinct().OrderBy(x => x));
}

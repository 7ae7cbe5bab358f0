using Microsoft.CodeAnalysis;
using Xunit;

namespace Extism.Sdk.Generators.Tests;

// EXTISM134 in a file of its own (the rest of DiagnosticTests is being migrated separately).
public sealed partial class DiagnosticTests
{
    private const string MinimalSchema = "version: v1-draft\nexports:\n  greet:\n    input: { type: string, contentType: \"text/plain; charset=utf-8\" }\n    output: { type: string, contentType: \"text/plain; charset=utf-8\" }\n";

    /// <summary>No RootNamespace key at all is what a project sees without Extism.Sdk.Generators.props.</summary>
    [Fact]
    public void EXTISM134_props_not_imported_is_a_warning_naming_the_fix()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/greeter.xtp.yaml", MinimalSchema, null)], rootNamespace: null);
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics, x => x.Id == "EXTISM134");
        Assert.Equal(DiagnosticSeverity.Warning, d.DefaultSeverity); // the harness compiles with warnings as errors, as the repository does
        Assert.Contains("/src/greeter.xtp.yaml", d.GetMessage());
        Assert.Contains("build/Extism.Sdk.Generators.props", d.GetMessage());
        Assert.Equal("/src/greeter.xtp.yaml", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void EXTISM134_is_not_reported_when_RootNamespace_is_visible()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/greeter.xtp.yaml", MinimalSchema, null)], rootNamespace: "App");
        Assert.DoesNotContain(result.GeneratorDiagnostics, x => x.Id == "EXTISM134");
    }
}

using System.Collections.Immutable;
using Extism.Sdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Extism.Sdk.Generators.Tests;

/// <summary>Runs the generator over test sources the way the compiler does, and compiles the result.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        .Append(typeof(Plugin).Assembly.Location)
        .Distinct()
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    internal sealed record Result(
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> CompilationDiagnostics,
        IReadOnlyDictionary<string, string> Sources,
        Compilation Output);

    /// <param name="sources">C# sources.</param>
    /// <param name="additionalFiles">(path, text, ExtismInterface metadata or null).</param>
    /// <param name="rootNamespace">The RootNamespace build property, or null.</param>
    public static Result Run(string[] sources, (string Path, string Text, string? Interface)[]? additionalFiles = null, string? rootNamespace = "TestApp")
    {
        // Documentation comments are checked, as in a project with GenerateDocumentationFile:
        // generated public members must carry them (test sources need not).
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        CSharpCompilation compilation = CSharpCompilation.Create("TestApp",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, allowUnsafe: false));
        var texts = (additionalFiles ?? []).Select(f => (AdditionalText)new InMemoryText(f.Path, f.Text)).ToImmutableArray();
        var options = new OptionsProvider(rootNamespace, (additionalFiles ?? []).ToDictionary(f => f.Path, f => f.Interface));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ContractsGenerator().AsSourceGenerator()], texts, parse, options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        var generated = run.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        ImmutableArray<Diagnostic> all = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath.StartsWith("Source", StringComparison.Ordinal) == true))
            .ToImmutableArray();
        return new Result(generatorDiagnostics, all, generated, output);
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private sealed class OptionsProvider(string? rootNamespace, Dictionary<string, string?> interfaces) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(rootNamespace is null ? [] : new() { ["build_property.RootNamespace"] = rootNamespace });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Options(interfaces.TryGetValue(textFile.Path, out string? name) && name is not null
                ? new() { ["build_metadata.AdditionalFiles.ExtismInterface"] = name }
                : []);
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value)
        {
            bool found = values.TryGetValue(key, out string? v);
            value = v ?? "";
            return found;
        }
    }
}

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Extism.Sdk.Generators.Tests;

/// <summary>An edit that touches no contract leaves every generated output cached (the models compare by value).</summary>
public sealed class IncrementalTests
{
    [Fact]
    public void An_unrelated_edit_regenerates_nothing()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create("TestApp",
            new[] { HostFunctionGenerationTests.JsonContext, HostFunctionGenerationTests.EveryType, ClientGenerationTests.Interfaces }
                .Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Source{i}.cs")),
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Append(typeof(Plugin).Assembly.Location).Distinct().Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ContractsGenerator().AsSourceGenerator()], parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        Assert.NotEmpty(driver.GetRunResult().GeneratedTrees);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace TestApp; public static class Unrelated { public static int X => 1; }", parse, path: "Edit.cs"));
        driver = driver.RunGenerators(edited);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        ImmutableArray<(object Value, IncrementalStepRunReason Reason)> outputs =
            run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToImmutableArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output was {o.Reason}"));
    }
}

using Xunit;

namespace Extism.Sdk.Generators.Tests;

public sealed class XtpGenerationTests(ITestOutputHelper output)
{
    internal static string Kitchen => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "kitchen.xtp.yaml"));

    internal const string KitchenHost = """
        namespace TestApp;

        public partial class KitchenImports
        {
            public partial Everything Describe(string input) => new Everything { Name = input };
        }
        """;

    [Fact]
    public void Schema_with_every_type_generates_code_that_compiles_without_warnings()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([KitchenHost], [("/src/kitchen.xtp.yaml", Kitchen, null)]);
        foreach (var (name, text) in result.Sources) output.WriteLine($"==== {name}\n{text}");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string models = result.Sources["TestApp.IKitchen.XtpModels.g.cs"];
        Assert.Contains("[global::System.Text.Json.Serialization.JsonPropertyName(\"maybeWhen\")]", models);
        Assert.Contains("public global::System.DateTimeOffset? MaybeWhen { get; set; }", models);
        Assert.Contains("public global::System.Collections.Generic.Dictionary<string, global::TestApp.Point> ByName { get; set; }", models);
        Assert.Contains("public double?[] Scores { get; set; }", models);
        Assert.Contains("public ulong? Counter { get; set; }", models);
        Assert.Contains("public enum Fruit", models);
        Assert.Contains("BananaSplit", models);
        string iface = result.Sources["TestApp.IKitchen.XtpInterface.g.cs"];
        Assert.Contains("global::TestApp.Everything EchoEverything(global::TestApp.Everything input);", iface);
        Assert.Contains("ShoutAsync(string input, global::System.Threading.CancellationToken cancellationToken = default);", iface);
        Assert.Contains("[global::Extism.Sdk.Export(\"reverseBytes\")]", iface);
        Assert.Contains("public partial global::TestApp.Everything Describe(string input);", result.Sources["TestApp.IKitchen.XtpImports.g.cs"]);
    }

    [Fact]
    public void JSON_schemas_work_and_ExtismInterface_names_the_interface()
    {
        const string json = """
            {
              "version": "v1-draft",
              "exports": {
                "greet": {
                  "input": { "type": "string", "contentType": "text/plain; charset=utf-8" },
                  "output": { "$ref": "#/components/schemas/Greeting", "contentType": "application/json" }
                }
              },
              "components": { "schemas": { "Greeting": { "properties": { "text": { "type": "string" } }, "required": ["text"] } } }
            }
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/greeter.xtp.json", json, "IHello")], rootNamespace: "My.App");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("public partial interface IHello", result.Sources["My.App.IHello.XtpInterface.g.cs"]);
        Assert.Contains("namespace My.App;", result.Sources["My.App.IHello.XtpModels.g.cs"]);
        Assert.Contains("public sealed partial class HelloJsonContext", result.Sources["My.App.IHello.XtpJsonContext.g.cs"]);
    }

    [Fact]
    public void The_default_interface_name_is_I_plus_the_file_name_in_PascalCase()
    {
        const string yaml = "version: v1-draft\nexports:\n  count_vowels:\n    input:\n      type: string\n      contentType: text/plain; charset=utf-8\n";
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/vowel-counter.xtp.yaml", yaml, null)]);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string iface = result.Sources["TestApp.IVowelCounter.XtpInterface.g.cs"];
        Assert.Contains("void CountVowels(string input);", iface);
        Assert.Contains("CountVowelsAsync(string input, global::System.Threading.CancellationToken cancellationToken = default);", iface);
    }
}

using Xunit;

namespace Extism.Sdk.Generators.Tests;

/// <summary>
/// Generated documentation is escaped once: the fallback summaries' own markup stays markup
/// (it used to read <c>The &amp;lt;c&amp;gt;name&amp;lt;/c&amp;gt; property.</c>), while a schema's
/// descriptions, which are plain text, are escaped.
/// </summary>
public sealed class XtpDocCommentTests
{
    private const string Schema = """
        version: v1-draft
        exports:
          greet:
            input: { $ref: "#/components/schemas/Person", contentType: application/json }
            output: { type: string, contentType: "text/plain; charset=utf-8" }
        components:
          schemas:
            Person:
              description: "A person <b>& friends</b>"
              properties:
                name: { type: string }
        """;

    [Fact]
    public void Fallback_summaries_keep_their_markup_and_descriptions_are_escaped_once()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run([], [("/src/greeter.xtp.yaml", Schema, null)]);
        Assert.Empty(result.GeneratorDiagnostics);
        string all = string.Join("\n", result.Sources.Values);
        Assert.Contains("/// The <c>name</c> property", all);
        Assert.DoesNotContain("&lt;c&gt;", all);
        Assert.Contains("/// A person &lt;b&gt;&amp; friends&lt;/b&gt;", all);
        Assert.Empty(result.CompilationDiagnostics);
    }
}

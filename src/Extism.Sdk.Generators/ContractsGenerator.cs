using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Extism.Sdk.Generators;

/// <summary>
/// Generates typed Extism contracts: <c>GetHostFunctions()</c> and <c>GetIsolatedHostFunctions()</c> for types with [HostFunction]
/// methods, <c>Create(Plugin)</c>/<c>Create(PluginPool)</c> clients for [PluginInterface]
/// interfaces, and interfaces, models, a JSON context and host-function declarations for XTP
/// schemas given as AdditionalFiles (*.xtp.yaml, *.xtp.yml, *.xtp.json).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractsGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<HostMethodResult> hostMethods = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Extism.Sdk.HostFunctionAttribute",
            static (node, _) => node is MethodDeclarationSyntax,
            static (ctx, _) => HostFunctionsSource.Analyze((IMethodSymbol)ctx.TargetSymbol, ctx.Attributes[0], ctx.SemanticModel.Compilation));

        context.RegisterSourceOutput(hostMethods.Collect(), static (spc, results) => EmitHostFunctions(spc, results));

        IncrementalValuesProvider<ClientResult> clients = context.SyntaxProvider.ForAttributeWithMetadataName(
            "Extism.Sdk.PluginInterfaceAttribute",
            static (node, _) => node is InterfaceDeclarationSyntax,
            static (ctx, _) => ClientSource.Analyze((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation));

        context.RegisterSourceOutput(clients, static (spc, result) =>
        {
            foreach (DiagnosticInfo d in result.Diagnostics) spc.ReportDiagnostic(Diagnostics.Create(d));
            if (result.Diagnostics.Count > 0 || result.Type is null) return;
            spc.AddSource(result.Type.HintName + ".ExtismClient.g.cs", SourceText.From(ClientSource.Emit(result.Type, result.InterfaceName!, result.Methods.Items), System.Text.Encoding.UTF8));
        });

        // Visible: the key exists at all. MSBuild always sets RootNamespace, so a missing key means
        // the CompilerVisibleProperty lines of Extism.Sdk.Generators.props were not imported (and
        // the ExtismInterface metadata line, which comes with them, is missing too).
        IncrementalValueProvider<(bool Visible, string? Namespace)> rootNamespace = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? ns)
                ? (true, string.IsNullOrWhiteSpace(ns) ? null : ns)
                : (false, (string?)null));

        IncrementalValuesProvider<Xtp.XtpFile> schemas = context.AdditionalTextsProvider
            .Where(static text => Xtp.XtpFile.IsSchemaPath(text.Path))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) =>
            {
                pair.Right.GetOptions(pair.Left).TryGetValue("build_metadata.AdditionalFiles.ExtismInterface", out string? name);
                return new Xtp.XtpFile(pair.Left.Path, pair.Left.GetText(ct)?.ToString() ?? "", string.IsNullOrWhiteSpace(name) ? null : name);
            });

        context.RegisterSourceOutput(schemas.Combine(rootNamespace), static (spc, pair) =>
        {
            if (!pair.Right.Visible)
                spc.ReportDiagnostic(Diagnostic.Create(Diagnostics.PropsNotImported, Location.Create(pair.Left.Path, default, default), pair.Left.Path));
            Xtp.XtpSource.Generate(spc, pair.Left, pair.Right.Namespace);
        });
    }

    private static void EmitHostFunctions(SourceProductionContext spc, ImmutableArray<HostMethodResult> results)
    {
        foreach (HostMethodResult result in results)
        {
            foreach (DiagnosticInfo d in result.Diagnostics) spc.ReportDiagnostic(Diagnostics.Create(d));
        }
        // One file per type; a type with any broken method gets nothing (its diagnostics say why).
        foreach (IGrouping<string, HostMethodResult> group in results.Where(r => r.Type is not null).GroupBy(r => r.Type!.Key))
        {
            if (group.Any(r => r.Method is null)) continue;
            // One import may have two methods only when they serve different plug-ins: a
            // CurrentPlugin one (in-process) and a RemotePlugin one (isolated).
            var seen = new List<HostMethodResult>();
            bool duplicate = false;
            foreach (HostMethodResult r in group)
            {
                HostMethodModel m = r.Method!;
                string ns = m.Namespace ?? HostFunctionsSource.DefaultNamespace;
                HostMethodResult? first = seen.FirstOrDefault(f => f.Method!.IsStatic == m.IsStatic && f.Method.ImportName == m.ImportName
                    && (f.Method.Namespace ?? HostFunctionsSource.DefaultNamespace) == ns
                    && (f.Method.InProcess && m.InProcess || f.Method.Isolated && m.Isolated));
                if (first is not null)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(Diagnostics.DuplicateHostFunction, r.MethodLocation?.ToLocation() ?? Location.None,
                        group.Key.Replace("global::", "") + "." + m.MethodName, ns, m.ImportName, first.Method!.MethodName));
                    duplicate = true;
                }
                else seen.Add(r);
            }
            if (duplicate) continue;
            TypeDeclModel type = group.First().Type!;
            spc.AddSource(type.HintName + ".ExtismHostFunctions.g.cs",
                SourceText.From(HostFunctionsSource.Emit(type, group.Select(r => r.Method!).ToList()), System.Text.Encoding.UTF8));
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Extism.Sdk.Generators;

/// <summary>The analysis of one [PluginInterface] interface.</summary>
internal sealed record ClientResult(TypeDeclModel? Type, string? InterfaceName, EquatableArray<ClientMethodModel> Methods, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Analyses plug-in interfaces and emits their Create(Plugin) / Create(PluginPool) clients.</summary>
internal static class ClientSource
{
    public static ClientResult Analyze(INamedTypeSymbol iface, Compilation compilation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        TypeDeclModel? type = TypeDecls.Build(iface, "static Create methods", diagnostics);
        var mapper = new TypeMapper(compilation);
        var methods = new List<ClientMethodModel>();
        string ifaceName = iface.ToDisplayString();
        foreach (INamedTypeSymbol declaring in new[] { iface }.Concat(iface.AllInterfaces))
        {
            foreach (ISymbol member in declaring.GetMembers())
            {
                if (!member.IsAbstract) continue; // statics and default implementations need nothing
                Location? location = member.Locations.FirstOrDefault();
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
                {
                    if (member is IMethodSymbol { AssociatedSymbol: not null }) continue; // accessors: reported on the property/event
                    diagnostics.Add(Diagnostics.Info(Diagnostics.InterfaceMember, location, ifaceName, member.Name, "only methods can call exports; remove it or give it a default implementation"));
                    continue;
                }
                ClientMethodModel? model = AnalyzeMethod(method, declaring, iface, mapper, diagnostics);
                if (model is not null) methods.Add(model);
            }
        }
        return new ClientResult(type, iface.Name, new EquatableArray<ClientMethodModel>(methods), new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static ClientMethodModel? AnalyzeMethod(IMethodSymbol method, INamedTypeSymbol declaring, INamedTypeSymbol iface, TypeMapper mapper, List<DiagnosticInfo> diagnostics)
    {
        string display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        Location? location = method.Locations.FirstOrDefault();
        int before = diagnostics.Count;
        if (method.IsGenericMethod || method.IsStatic)
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.InterfaceMember, location, iface.ToDisplayString(), method.Name, method.IsStatic ? "static abstract members cannot be implemented by a client" : "generic methods cannot call exports; use concrete types"));
            return null;
        }

        string exportName = method.Name;
        AttributeData? export = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "Extism.Sdk.ExportAttribute");
        if (export is not null)
        {
            exportName = export.ConstructorArguments.FirstOrDefault().Value as string ?? "";
            if (exportName.Length == 0) diagnostics.Add(Diagnostics.Info(Diagnostics.ExportName, export.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? location, display));
        }
        else exportName = Naming.ExportName(method.Name);

        // Result: T, Task, Task<T>, ValueTask, ValueTask<T>.
        AsyncShape shape = AsyncShape.Sync;
        ITypeSymbol? resultType = method.ReturnType;
        if (method.ReturnType is INamedTypeSymbol named && named.ContainingNamespace.ToDisplayString() == "System.Threading.Tasks" && named.Name is "Task" or "ValueTask")
        {
            shape = named.Name == "Task" ? AsyncShape.Task : AsyncShape.ValueTask;
            resultType = named.TypeArguments.Length == 1 ? named.TypeArguments[0] : null;
        }
        ValueModel? output;
        if (resultType is null || resultType.SpecialType == SpecialType.System_Void) output = ValueModel.Void;
        else
        {
            int mark = diagnostics.Count;
            output = mapper.Map(resultType, method, iface, location, diagnostics);
            if (output is null || output.Kind is not (ValueKind.String or ValueKind.Bytes or ValueKind.Memory or ValueKind.Json))
            {
                if (diagnostics.Count == mark) diagnostics.Add(Diagnostics.Info(Diagnostics.InterfaceResultType, location, display, method.ReturnType.ToDisplayString()));
                output = null;
            }
        }

        // Parameters: at most one input, then an optional CancellationToken last.
        var inputs = method.Parameters.Where((p, i) => !(i == method.Parameters.Length - 1 && TypeMapper.IsCancellationToken(p.Type))).ToList();
        string? tokenName = inputs.Count < method.Parameters.Length ? method.Parameters.Last().Name : null;
        if (inputs.Count > 1) diagnostics.Add(Diagnostics.Info(Diagnostics.TooManyInputs, location, display, inputs.Count.ToString()));
        ValueModel input = ValueModel.Void;
        string? inputName = null;
        if (inputs.Count == 1)
        {
            IParameterSymbol parameter = inputs[0];
            Location? at = parameter.Locations.FirstOrDefault() ?? location;
            int mark = diagnostics.Count;
            ValueModel? mapped = parameter.RefKind is RefKind.None or RefKind.In ? mapper.Map(parameter.Type, method, iface, at, diagnostics) : null;
            if (mapped is null || mapped.Kind is not (ValueKind.String or ValueKind.Bytes or ValueKind.Memory or ValueKind.Span or ValueKind.Json))
            {
                if (diagnostics.Count == mark) diagnostics.Add(Diagnostics.Info(Diagnostics.InterfaceInputType, at, display, parameter.Name, parameter.Type.ToDisplayString()));
            }
            else
            {
                input = mapped;
                inputName = parameter.Name;
            }
        }
        if (diagnostics.Count != before || output is null) return null;

        var parameterDeclarations = method.Parameters.Select(p =>
            (p.RefKind == RefKind.In ? "in " : "") + TypeMapper.Display(p.Type) + " @" + p.Name).ToList();
        return new ClientMethodModel(TypeMapper.Display(declaring), method.Name, exportName,
            TypeMapper.Display(method.ReturnType), shape, output, inputName, input, tokenName,
            new EquatableArray<string>(parameterDeclarations));
    }

    /// <summary>
    /// Emits, inside the partial interface, <c>Create(Plugin)</c>, <c>Create(PluginPool)</c> and the
    /// one client class behind both (the two targets share the call shapes it uses).
    /// </summary>
    public static string Emit(TypeDeclModel type, string interfaceName, IReadOnlyList<ClientMethodModel> methods)
    {
        var sb = new StringBuilder();
        string indent = TypeDecls.Open(sb, type.Namespace, type.Declarations);
        EmitBody(sb, indent, type.Key, interfaceName, methods);
        TypeDecls.Close(sb, type.Declarations.Count);
        return sb.ToString();
    }

    public static void EmitBody(StringBuilder sb, string indent, string interfaceKey, string interfaceName, IReadOnlyList<ClientMethodModel> methods)
    {
        var json = new JsonInfoFields();
        string client = "__Extism" + interfaceName + "Client";
        sb.Append(indent).AppendLine("/// <summary>");
        sb.Append(indent).AppendLine("/// A client that calls the exports of <paramref name=\"plugin\"/>, one call at a time (the plug-in serialises its callers).");
        sb.Append(indent).AppendLine("/// The caller keeps ownership of the plug-in: dispose it after the last call.");
        sb.Append(indent).AppendLine("/// </summary>");
        sb.Append(indent).Append("public static ").Append(interfaceKey).Append(" Create(global::Extism.Sdk.Plugin plugin) => new ").Append(client)
            .AppendLine("(plugin ?? throw new global::System.ArgumentNullException(nameof(plugin)), null);");
        sb.AppendLine();
        sb.Append(indent).AppendLine("/// <summary>");
        sb.Append(indent).AppendLine("/// A client that rents an instance from <paramref name=\"pool\"/> for each call, so it may be used from many threads at once.");
        sb.Append(indent).AppendLine("/// The caller keeps ownership of the pool: dispose it after the last call.");
        sb.Append(indent).AppendLine("/// </summary>");
        sb.Append(indent).Append("public static ").Append(interfaceKey).Append(" Create(global::Extism.Sdk.PluginPool pool) => new ").Append(client)
            .AppendLine("(null, pool ?? throw new global::System.ArgumentNullException(nameof(pool)));");
        sb.AppendLine();
        sb.Append(indent).Append("private sealed class ").Append(client).Append(" : ").AppendLine(interfaceKey);
        sb.Append(indent).AppendLine("{");
        string inner = indent + "    ";
        sb.Append(inner).AppendLine("private readonly global::Extism.Sdk.Plugin? _plugin;");
        sb.Append(inner).AppendLine("private readonly global::Extism.Sdk.PluginPool? _pool;");
        sb.AppendLine();
        sb.Append(inner).Append("public ").Append(client).AppendLine("(global::Extism.Sdk.Plugin? plugin, global::Extism.Sdk.PluginPool? pool)");
        sb.Append(inner).AppendLine("{");
        sb.Append(inner).AppendLine("    _plugin = plugin;");
        sb.Append(inner).AppendLine("    _pool = pool;");
        sb.Append(inner).AppendLine("}");
        foreach (ClientMethodModel m in methods)
        {
            sb.AppendLine();
            EmitMethod(sb, inner, m, json);
        }
        sb.AppendLine();
        json.Emit(sb, inner);
        sb.Append(indent).AppendLine("}");
    }

    private static void EmitMethod(StringBuilder sb, string indent, ClientMethodModel m, JsonInfoFields json)
    {
        string token = m.TokenName is null ? "default" : "@" + m.TokenName;
        string input = m.InputName is null ? "" : "@" + m.InputName;
        sb.Append(indent).Append(m.ReturnType).Append(' ').Append(m.DeclaringInterface).Append('.').Append(m.MethodName)
            .Append('(').Append(string.Join(", ", m.ParameterDeclarations)).AppendLine(")");
        sb.Append(indent).AppendLine("{");
        string i2 = indent + "    ";
        string name = TypeDecls.Literal(m.ExportName);
        if (m.Shape == AsyncShape.Sync)
        {
            string span = m.Input.Kind switch
            {
                ValueKind.Void => "global::System.ReadOnlySpan<byte>.Empty",
                ValueKind.String => "global::System.Text.Encoding.UTF8.GetBytes(" + input + " ?? string.Empty)",
                ValueKind.Bytes => "new global::System.ReadOnlySpan<byte>(" + input + ")",
                ValueKind.Memory => input + ".Span",
                ValueKind.Span => input,
                _ => "global::System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(" + input + ", " + json.Field(m.Input) + ")",
            };
            (string state, string stateType, string resultType, string reader) = m.Output.Kind switch
            {
                ValueKind.Void => ("0", "int", "int", "static (o, s) => 0"),
                ValueKind.String => ("0", "int", "string", "static (o, s) => global::System.Text.Encoding.UTF8.GetString(o)"),
                ValueKind.Bytes => ("0", "int", "byte[]", "static (o, s) => o.ToArray()"),
                ValueKind.Memory => ("0", "int", "global::System.ReadOnlyMemory<byte>", "static (o, s) => new global::System.ReadOnlyMemory<byte>(o.ToArray())"),
                _ => (json.Field(m.Output), "global::System.Text.Json.Serialization.Metadata.JsonTypeInfo<" + m.Output.BareTypeName + ">",
                    m.Output.BareTypeName + (m.Output.IsReferenceType ? "?" : ""),
                    "static (o, s) => o.IsEmpty ? default : global::System.Text.Json.JsonSerializer.Deserialize(o, s)"),
            };
            string args = "(" + name + ", " + span + ", " + state + ", " + reader + ", " + token + ")";
            string generic = "<" + stateType + ", " + resultType + ">";
            sb.Append(i2).Append(m.Output.Kind == ValueKind.Void ? "_ = " : resultType + " __result = ")
                .Append("_plugin is not null ? _plugin.Call").Append(generic).Append(args).Append(" : _pool!.Call").Append(generic).Append(args).AppendLine(";");
            if (m.Output.Kind != ValueKind.Void) sb.Append(i2).Append("return ").Append(NullCheck(m, "__result")).AppendLine(";");
        }
        else
        {
            bool direct = m.Output.Kind == ValueKind.String && m.Input.Kind is ValueKind.Void or ValueKind.String && !m.Output.IsNullable;
            string task;
            if (direct)
            {
                string text = m.Input.Kind == ValueKind.Void ? "string.Empty" : "(" + input + " ?? string.Empty)";
                string args = "(" + name + ", " + text + ", " + token + ")";
                task = "(_plugin is not null ? _plugin.CallAsync" + args + " : _pool!.CallAsync" + args + ")";
            }
            else task = "__" + m.MethodName + "Async(" + (m.InputName is null ? "" : input + (m.Input.Kind == ValueKind.Span ? ".ToArray()" : "") + ", ") + token + ")";
            if (m.Shape == AsyncShape.Task) sb.Append(i2).Append("return ").Append(task).AppendLine(";");
            else sb.Append(i2).Append("return new ").Append(m.ReturnType).Append('(').Append(task).AppendLine(");");
            sb.Append(indent).AppendLine("}");
            if (!direct) EmitAsyncHelper(sb, indent, m, json);
            return;
        }
        sb.Append(indent).AppendLine("}");
    }

    /// <summary>An async helper over CallAsync(bytes): the input is encoded before the first await, the output decoded after.</summary>
    private static void EmitAsyncHelper(StringBuilder sb, string indent, ClientMethodModel m, JsonInfoFields json)
    {
        string input = m.InputName is null ? "" : "@" + m.InputName;
        string resultType = m.Output.Kind == ValueKind.Void ? "global::System.Threading.Tasks.Task"
            : "global::System.Threading.Tasks.Task<" + m.Output.TypeName + ">";
        string inputParameter = m.InputName is null ? "" : (m.Input.Kind == ValueKind.Span ? "global::System.ReadOnlyMemory<byte>" : m.Input.TypeName) + " " + input + ", ";
        sb.AppendLine();
        sb.Append(indent).Append("private async ").Append(resultType).Append(" __").Append(m.MethodName).Append("Async(")
            .Append(inputParameter).AppendLine("global::System.Threading.CancellationToken __cancellationToken)");
        sb.Append(indent).AppendLine("{");
        string i2 = indent + "    ";
        string memory = m.Input.Kind switch
        {
            ValueKind.Void => "global::System.ReadOnlyMemory<byte>.Empty",
            ValueKind.String => "global::System.Text.Encoding.UTF8.GetBytes(" + input + " ?? string.Empty)",
            ValueKind.Bytes => "new global::System.ReadOnlyMemory<byte>(" + input + ")",
            ValueKind.Memory or ValueKind.Span => input,
            _ => "global::System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(" + input + ", " + json.Field(m.Input) + ")",
        };
        sb.Append(i2).Append("global::System.ReadOnlyMemory<byte> __input = ").Append(memory).AppendLine(";");
        string args = "(" + TypeDecls.Literal(m.ExportName) + ", __input, __cancellationToken)";
        sb.Append(i2).Append(m.Output.Kind == ValueKind.Void ? "" : "byte[] __output = ").Append("await (_plugin is not null ? _plugin.CallAsync").Append(args)
            .Append(" : _pool!.CallAsync").Append(args).AppendLine(").ConfigureAwait(false);");
        string? result = m.Output.Kind switch
        {
            ValueKind.Void => null,
            ValueKind.String => "global::System.Text.Encoding.UTF8.GetString(__output)",
            ValueKind.Bytes => "__output",
            ValueKind.Memory => "new global::System.ReadOnlyMemory<byte>(__output)",
            _ => NullCheck(m, "(__output.Length == 0 ? default : global::System.Text.Json.JsonSerializer.Deserialize(__output, " + json.Field(m.Output) + "))"),
        };
        if (result is not null) sb.Append(i2).Append("return ").Append(result).AppendLine(";");
        sb.Append(indent).AppendLine("}");
    }

    /// <summary>A non-nullable JSON reference result refuses an empty output instead of returning null.</summary>
    private static string NullCheck(ClientMethodModel m, string expression) =>
        m.Output.Kind == ValueKind.Json && m.Output.IsReferenceType && !m.Output.IsNullable
            ? expression + " ?? throw new global::Extism.Sdk.ExtismException(" + TypeDecls.Literal(
                "Export '" + m.ExportName + "' returned no output, which is not a " + m.Output.BareTypeName.Replace("global::", "") + "; declare the result nullable to accept that.") + ")"
            : expression;
}

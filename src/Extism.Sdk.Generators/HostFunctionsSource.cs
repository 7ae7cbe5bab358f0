using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Extism.Sdk.Generators;

/// <summary>The analysis of one [HostFunction] method: its type's declaration chain and its model, or diagnostics.</summary>
internal sealed record HostMethodResult(TypeDeclModel? Type, HostMethodModel? Method, LocationInfo? MethodLocation, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Analyses [HostFunction] methods and emits GetHostFunctions() and GetIsolatedHostFunctions() for their types.</summary>
internal static class HostFunctionsSource
{
    public static HostMethodResult Analyze(IMethodSymbol method, AttributeData attribute, Compilation compilation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        INamedTypeSymbol owner = method.ContainingType;
        string display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        Location? location = method.Locations.FirstOrDefault();
        TypeDeclModel? type = TypeDecls.Build(owner, method.IsStatic ? "a static GetHostFunctions()" : "GetHostFunctions()", diagnostics);

        string? name = attribute.ConstructorArguments.FirstOrDefault().Value as string;
        string? ns = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Namespace").Value.Value as string;
        if (string.IsNullOrEmpty(name) || name!.IndexOf('\0') >= 0 || ns is not null && (ns.Length == 0 || ns.IndexOf('\0') >= 0))
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.HostFunctionName, attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? location, display));
        }
        if (method.IsGenericMethod) diagnostics.Add(Diagnostics.Info(Diagnostics.HostMethodShape, location, display, "generic methods cannot be host functions; write a non-generic method"));
        if (method.ReturnsByRef || method.ReturnsByRefReadonly) diagnostics.Add(Diagnostics.Info(Diagnostics.HostMethodShape, location, display, "return the value, not a reference"));
        bool returnsTask = method.IsAsync || method.ReturnType.ToDisplayString().StartsWith("System.Threading.Tasks.", System.StringComparison.Ordinal);
        if (returnsTask)
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.HostMethodShape, location, display, "host functions run synchronously inside the plug-in's call; return the value itself, not a task"));
        }
        if (owner.TypeKind == TypeKind.Interface) diagnostics.Add(Diagnostics.Info(Diagnostics.HostMethodShape, location, display, "declare host functions in a class or struct, not an interface"));
        if (!method.IsStatic && owner.IsValueType) diagnostics.Add(Diagnostics.Info(Diagnostics.HostMethodShape, location, display, "instance host functions need a class (a struct would be copied into each function); make it static or move it to a class"));

        var mapper = new TypeMapper(compilation);
        var parameters = new List<ValueModel>();
        PluginParameter plugin = PluginParameter.None;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            Location? at = parameter.Locations.FirstOrDefault() ?? location;
            if (i == 0 && parameter.RefKind == RefKind.None && (TypeMapper.IsCurrentPlugin(parameter.Type) || TypeMapper.IsRemotePlugin(parameter.Type)))
            {
                plugin = TypeMapper.IsCurrentPlugin(parameter.Type) ? PluginParameter.Current : PluginParameter.Remote;
                continue;
            }
            if (parameter.RefKind is not (RefKind.None or RefKind.In))
            {
                diagnostics.Add(Diagnostics.Info(Diagnostics.HostParameterType, at, display, parameter.Name, (parameter.RefKind.ToString().ToLowerInvariant() + " " + parameter.Type.ToDisplayString())));
                continue;
            }
            int before = diagnostics.Count;
            ValueModel? value = mapper.Map(parameter.Type, method, owner, at, diagnostics);
            if (value is null || value.Kind == ValueKind.Void)
            {
                if (diagnostics.Count == before) diagnostics.Add(Diagnostics.Info(Diagnostics.HostParameterType, at, display, parameter.Name, parameter.Type.ToDisplayString()));
                continue;
            }
            parameters.Add(value);
        }

        ValueModel? result = null;
        if (method.ReturnType.SpecialType == SpecialType.System_Void) result = ValueModel.Void;
        else if (returnsTask) result = null; // reported above
        else
        {
            int before = diagnostics.Count;
            result = mapper.Map(method.ReturnType, method, owner, location, diagnostics);
            if (result is null || result.Kind == ValueKind.Span)
            {
                if (diagnostics.Count == before) diagnostics.Add(Diagnostics.Info(Diagnostics.HostResultType, location, display, method.ReturnType.ToDisplayString()));
                result = null;
            }
        }

        HostMethodModel? model = diagnostics.Count == 0 && type is not null && result is not null
            ? new HostMethodModel(method.Name, name!, ns, method.IsStatic, plugin, new EquatableArray<ValueModel>(parameters), result)
            : null;
        return new HostMethodResult(type, model, LocationInfo.From(location), new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    /// <summary>
    /// Emits GetHostFunctions() and GetIsolatedHostFunctions() for one type: static methods for its
    /// static host functions and instance methods for its instance ones. Each body is a lambda over libextism's value slots that
    /// calls the method directly (one delegate call per host call, no boxing, no allocation for
    /// numeric signatures).
    /// </summary>
    public static string Emit(TypeDeclModel type, IReadOnlyList<HostMethodModel> methods)
    {
        var sb = new StringBuilder();
        string indent = TypeDecls.Open(sb, type.Namespace, type.Declarations);
        EmitMembers(sb, indent, methods);
        TypeDecls.Close(sb, type.Declarations.Count);
        return sb.ToString();
    }

    public static void EmitMembers(StringBuilder sb, string indent, IReadOnlyList<HostMethodModel> methods)
    {
        var json = new JsonInfoFields();
        foreach (bool isolated in new[] { false, true })
        {
            foreach (bool isStatic in new[] { true, false })
            {
                List<HostMethodModel> group = methods.Where(m => m.IsStatic == isStatic).ToList();
                List<HostMethodModel> members = group.Where(m => isolated ? m.Isolated : m.InProcess).ToList();
                if (members.Count == 0) continue;
                // Imports with no method for this kind of plug-in (only a CurrentPlugin one for
                // isolated plug-ins, only a RemotePlugin one in-process) are left out; the doc
                // comment names them, since a plug-in importing one fails to load ("unknown import").
                List<HostMethodModel> leftOut = group.Where(m => !members.Any(other => SameImport(m, other))).ToList();
                EmitSet(sb, indent, isStatic, isolated, members, leftOut, json);
            }
        }
        json.Emit(sb, indent);
    }

    private static bool SameImport(HostMethodModel a, HostMethodModel b) =>
        a.ImportName == b.ImportName && (a.Namespace ?? DefaultNamespace) == (b.Namespace ?? DefaultNamespace);

    internal const string DefaultNamespace = "extism:host/user";

    private static void EmitSet(StringBuilder sb, string indent, bool isStatic, bool isolated, List<HostMethodModel> group, List<HostMethodModel> leftOut, JsonInfoFields json)
    {
        string type = isolated ? "global::Extism.Sdk.IsolatedHostFunction" : "global::Extism.Sdk.HostFunction";
        sb.Append(indent).AppendLine("/// <summary>");
        sb.Append(indent).Append("/// Creates the host functions of this type's ").Append(isStatic ? "static" : "instance").Append(" [HostFunction] methods")
            .Append(isolated ? " for an <see cref=\"global::Extism.Sdk.IsolatedPluginPool\"/>" : "").AppendLine(":");
        foreach (HostMethodModel m in group) sb.Append(indent).Append("/// ").Append(Import(m)).Append(" (<see cref=\"").Append(m.MethodName).AppendLine("\"/>),");
        if (isolated)
        {
            sb.Append(indent).AppendLine("/// new definitions on every call. The methods run in this process while the plug-in waits in its");
            sb.Append(indent).AppendLine("/// worker process; strings, bytes and JSON are copied across.");
            if (!isStatic) sb.Append(indent).AppendLine("/// They call this instance, which is also their user data (<see cref=\"global::Extism.Sdk.RemotePlugin.GetUserData{T}\"/>).");
        }
        else
        {
            sb.Append(indent).AppendLine("/// new definitions on every call: register them with any number of plug-ins, then dispose them.");
            if (!isStatic) sb.Append(indent).AppendLine("/// They call this instance, which is also their user data (<see cref=\"global::Extism.Sdk.CurrentPlugin.GetUserData{T}\"/>).");
        }
        foreach (HostMethodModel m in leftOut)
        {
            sb.Append(indent).Append("/// Left out: ").Append(Import(m)).Append(" (<see cref=\"").Append(m.MethodName).Append("\"/> takes a ")
                .Append(isolated ? "CurrentPlugin, which cannot reach a plug-in in a worker process" : "RemotePlugin, which only isolated plug-ins pass").AppendLine(").");
        }
        sb.Append(indent).AppendLine("/// </summary>");
        sb.Append(indent).Append("public ").Append(isStatic ? "static " : "").Append(type).Append("[] ").Append(isolated ? "GetIsolatedHostFunctions" : "GetHostFunctions").AppendLine("()");
        sb.Append(indent).AppendLine("{");
        sb.Append(indent).Append("    return new ").Append(type).AppendLine("[]");
        sb.Append(indent).AppendLine("    {");
        foreach (HostMethodModel m in group) EmitFunction(sb, indent + "        ", m, isolated, json);
        sb.Append(indent).AppendLine("    };");
        sb.Append(indent).AppendLine("}");
        sb.AppendLine();
    }

    private static string Import(HostMethodModel m) => "<c>" + Escape(m.Namespace ?? DefaultNamespace) + "::" + Escape(m.ImportName) + "</c>";

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void EmitFunction(StringBuilder sb, string indent, HostMethodModel m, bool isolated, JsonInfoFields json)
    {
        string types(IEnumerable<ValueKind> kinds) =>
            "new global::Extism.Sdk.Native.ExtismValType[] { " + string.Join(", ", kinds.Select(k => "global::Extism.Sdk.Native.ExtismValType." + WasmType(k))) + " }";
        var args = new List<string>();
        if (m.Plugin != PluginParameter.None) args.Add("p");
        for (int k = 0; k < m.Parameters.Count; k++) args.Add(ReadArgument(m.Parameters[k], k, m, isolated, json));
        string call = (m.IsStatic ? "" : "this.") + m.MethodName + "(" + string.Join(", ", args) + ")";
        string body = m.Result.Kind == ValueKind.Void ? call : WriteResult(m.Result, call, isolated, json);

        sb.Append(indent).Append(isolated ? "new global::Extism.Sdk.IsolatedHostFunction(" : "new global::Extism.Sdk.HostFunction(").Append(TypeDecls.Literal(m.ImportName)).AppendLine(",");
        sb.Append(indent).Append("    ").Append(types(m.Parameters.Select(p => p.Kind))).AppendLine(",");
        sb.Append(indent).Append("    ").Append(types(m.Result.Kind == ValueKind.Void ? new ValueKind[0] : new[] { m.Result.Kind })).AppendLine(",");
        sb.Append(indent).Append("    ").Append(m.IsStatic ? "null" : "this").AppendLine(",");
        sb.Append(indent).Append("    ").Append(m.IsStatic ? "static " : "").Append("(p, i, o) => ").Append(body).Append(")");
        if (m.Namespace is not null) sb.Append(".WithNamespace(").Append(TypeDecls.Literal(m.Namespace)).Append(")");
        sb.AppendLine(",");
    }

    private static string WasmType(ValueKind kind) => kind switch
    {
        ValueKind.I32 or ValueKind.U32 or ValueKind.Bool => "I32",
        ValueKind.F32 => "F32",
        ValueKind.F64 => "F64",
        _ => "I64",
    };

    // CurrentPlugin.ReadBytes lends a span into the plug-in's memory; RemotePlugin.ReadBytes returns a
    // fresh array that the method may keep, so the isolated variant copies nothing more.
    private static string ReadArgument(ValueModel value, int k, HostMethodModel m, bool isolated, JsonInfoFields json)
    {
        string slot = "i[" + k + "].v";
        string offset = slot + ".i64";
        switch (value.Kind)
        {
            case ValueKind.I32: return slot + ".i32";
            case ValueKind.U32: return "unchecked((uint)" + slot + ".i32)";
            case ValueKind.I64: return offset;
            case ValueKind.U64: return "unchecked((ulong)" + offset + ")";
            case ValueKind.F32: return slot + ".f32";
            case ValueKind.F64: return slot + ".f64";
            case ValueKind.Bool: return "(" + slot + ".i32 != 0)";
            case ValueKind.String:
                return value.IsNullable ? "(" + offset + " == 0 ? null : p.ReadString(" + offset + "))" : "p.ReadString(" + offset + ")";
            case ValueKind.Bytes:
                string bytes = "p.ReadBytes(" + offset + ")" + (isolated ? "" : ".ToArray()");
                return value.IsNullable ? "(" + offset + " == 0 ? null : " + bytes + ")" : bytes;
            case ValueKind.Span: return "(global::System.ReadOnlySpan<byte>)p.ReadBytes(" + offset + ")";
            case ValueKind.Memory: return "new global::System.ReadOnlyMemory<byte>(p.ReadBytes(" + offset + ")" + (isolated ? "" : ".ToArray()") + ")";
            default:
                string read = Helper(isolated) + ".ReadJsonBlock<" + value.BareTypeName + ">(p, " + offset + ", " + json.Field(value) + ")";
                if (value.IsReferenceType && !value.IsNullable)
                {
                    read = "(" + read + " ?? throw new global::System.ArgumentException(" +
                        TypeDecls.Literal("Host function '" + m.ImportName + "': the plug-in passed no data (offset 0) for a non-nullable " + value.BareTypeName.Replace("global::", "") + " argument.") + "))";
                }
                return read;
        }
    }

    // The JSON block helpers: HostFunction's over CurrentPlugin, IsolatedHostFunction's over RemotePlugin.
    private static string Helper(bool isolated) => isolated ? "global::Extism.Sdk.IsolatedHostFunction" : "global::Extism.Sdk.HostFunction";

    private static string WriteResult(ValueModel value, string call, bool isolated, JsonInfoFields json)
    {
        const string o = "o[0].v.";
        return value.Kind switch
        {
            ValueKind.I32 => o + "i32 = " + call,
            ValueKind.U32 => o + "i32 = unchecked((int)" + call + ")",
            ValueKind.I64 => o + "i64 = " + call,
            ValueKind.U64 => o + "i64 = unchecked((long)" + call + ")",
            ValueKind.F32 => o + "f32 = " + call,
            ValueKind.F64 => o + "f64 = " + call,
            ValueKind.Bool => o + "i32 = " + call + " ? 1 : 0",
            ValueKind.String => o + "i64 = p.WriteString(" + call + (value.IsNullable ? " ?? string.Empty" : "") + ")",
            ValueKind.Bytes => o + "i64 = p.WriteBytes(new global::System.ReadOnlySpan<byte>(" + call + "))",
            ValueKind.Memory => o + "i64 = p.WriteBytes(" + call + ".Span)",
            _ => o + "i64 = " + Helper(isolated) + ".WriteJsonBlock<" + value.BareTypeName + ">(p, " + call + ", " + json.Field(value) + ")",
        };
    }
}

/// <summary>
/// Cached JsonTypeInfo lookups for a generated type: looked up once through the context's
/// GetTypeInfo (no reflection), then read from a static field.
/// </summary>
internal sealed class JsonInfoFields
{
    private readonly List<(string Name, string Type, string Context)> _fields = new();

    public string Field(ValueModel value)
    {
        string type = value.BareTypeName;
        int index = _fields.FindIndex(f => f.Type == type && f.Context == value.JsonContext);
        if (index < 0)
        {
            index = _fields.Count;
            _fields.Add(("__ExtismJson" + index, type, value.JsonContext!));
        }
        return _fields[index].Name;
    }

    public void Emit(StringBuilder sb, string indent)
    {
        foreach ((string name, string type, string context) in _fields)
        {
            string info = "global::System.Text.Json.Serialization.Metadata.JsonTypeInfo<" + type + ">";
            sb.Append(indent).Append("private static ").Append(info).Append("? s").Append(name).AppendLine(";");
            sb.AppendLine();
            sb.Append(indent).Append("private static ").Append(info).Append(' ').Append(name).Append(" => s").Append(name).Append(" ??= (").Append(info).Append(")(")
                .Append(context).Append(".Default.GetTypeInfo(typeof(").Append(type).Append(")) ?? throw new global::System.InvalidOperationException(")
                .Append(TypeDecls.Literal(context.Replace("global::", "") + " has no JSON metadata for " + type.Replace("global::", "") + ".")).AppendLine("));");
            sb.AppendLine();
        }
    }
}

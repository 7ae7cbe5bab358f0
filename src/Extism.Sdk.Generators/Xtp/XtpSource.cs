using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Extism.Sdk.Generators.Xtp;

/// <summary>
/// Turns one XTP schema into C#, in the project's root namespace: the plug-in interface for its
/// exports (with its client), records and enums for its schemas, a JSON context for them built on
/// JsonMetadataServices (other generators, System.Text.Json's included, never see generated code,
/// so the context's metadata is generated here), and a partial class of host functions for its
/// imports.
/// </summary>
internal sealed class XtpSource
{
    private readonly XtpDocument _doc;
    private readonly string? _ns;
    private readonly string _prefix; // "global::Ns." or "global::"
    private readonly Dictionary<string, XtpSchemaDef> _schemas;
    private readonly string _context;

    private XtpSource(XtpDocument doc, string? ns, string baseName)
    {
        _doc = doc;
        _ns = ns;
        _prefix = ns is null ? "global::" : "global::" + ns + ".";
        _schemas = doc.Schemas.ToDictionary(s => s.Name);
        _context = baseName + "JsonContext";
    }

    public static void Generate(SourceProductionContext spc, XtpFile file, string? rootNamespace)
    {
        var diagnostics = new List<Diagnostic>();
        XtpDocument? doc = XtpParser.Parse(file, diagnostics);
        foreach (Diagnostic d in diagnostics) spc.ReportDiagnostic(d);
        if (doc is null) return;
        string interfaceName = file.InterfaceName ?? "I" + Naming.Pascal(file.BaseName);
        if (!SyntaxFacts.IsValidIdentifier(interfaceName) || SyntaxFacts.GetKeywordKind(interfaceName) != SyntaxKind.None)
        {
            spc.ReportDiagnostic(Diagnostic.Create(Diagnostics.SchemaName, Location.Create(file.Path, default, default), file.Path, interfaceName));
            return;
        }
        string baseName = interfaceName.Length > 1 && interfaceName[0] == 'I' && char.IsUpper(interfaceName[1]) ? interfaceName.Substring(1) : interfaceName;
        var source = new XtpSource(doc, rootNamespace, baseName);
        string hint = (rootNamespace is null ? "" : rootNamespace + ".") + interfaceName;
        spc.AddSource(hint + ".XtpModels.g.cs", SourceText.From(source.Models(), Encoding.UTF8));
        spc.AddSource(hint + ".XtpJsonContext.g.cs", SourceText.From(new XtpJsonContext(source).Emit(), Encoding.UTF8));
        spc.AddSource(hint + ".XtpInterface.g.cs", SourceText.From(source.Interface(interfaceName), Encoding.UTF8));
        if (doc.Imports.Count > 0) spc.AddSource(hint + ".XtpImports.g.cs", SourceText.From(source.Imports(baseName + "Imports"), Encoding.UTF8));
    }

    public XtpDocument Document => _doc;
    public string? Namespace => _ns;
    public string ContextName => _context;
    public IReadOnlyDictionary<string, XtpSchemaDef> Schemas => _schemas;

    public static string TypeName(string schemaName) => schemaName.Replace('$', '_');

    public static string PropertyName(XtpSchemaDef owner, XtpProperty property)
    {
        string name = Naming.Pascal(property.Name);
        return name == TypeName(owner.Name) || name == "EqualityContract" ? name + "Value" : name;
    }

    /// <summary>Follows aliases: the type a reference stands for, or null for named objects and enums.</summary>
    public XtpType Resolve(XtpType type)
    {
        var seen = new HashSet<string>();
        while (type.Kind == XtpKind.Ref && _schemas[type.RefName!] is { Kind: SchemaKind.Alias } alias && seen.Add(alias.Name))
        {
            type = new XtpType { Kind = alias.Alias!.Kind, Element = alias.Alias.Element, RefName = alias.Alias.RefName, Nullable = type.Nullable || alias.Alias.Nullable };
        }
        return type;
    }

    public bool IsReference(XtpType type)
    {
        type = Resolve(type);
        return type.Kind switch
        {
            XtpKind.String or XtpKind.Buffer or XtpKind.Array or XtpKind.Map => true,
            XtpKind.Ref => _schemas[type.RefName!].Kind == SchemaKind.Object,
            _ => false,
        };
    }

    /// <summary>The C# type. <paramref name="annotate"/>: with nullable reference annotations (false gives the form typeof accepts).</summary>
    public string CsType(XtpType type, bool annotate, bool forceNullable = false)
    {
        type = Resolve(type);
        string core = type.Kind switch
        {
            XtpKind.String => "string",
            XtpKind.DateTime => "global::System.DateTimeOffset",
            XtpKind.Int8 => "sbyte",
            XtpKind.UInt8 => "byte",
            XtpKind.Int16 => "short",
            XtpKind.UInt16 => "ushort",
            XtpKind.Int32 => "int",
            XtpKind.UInt32 => "uint",
            XtpKind.Int64 => "long",
            XtpKind.UInt64 => "ulong",
            XtpKind.Float => "float",
            XtpKind.Double => "double",
            XtpKind.Boolean => "bool",
            XtpKind.Buffer => "byte[]",
            XtpKind.Any => "global::System.Text.Json.JsonElement",
            XtpKind.Array => CsType(type.Element!, annotate) + "[]",
            XtpKind.Map => "global::System.Collections.Generic.Dictionary<string, " + CsType(type.Element!, annotate) + ">",
            _ => _prefix + TypeName(type.RefName!),
        };
        bool nullable = type.Nullable || forceNullable;
        return nullable && (annotate || !IsReference(type)) ? core + "?" : core;
    }

    private ValueModel Value(XtpParameter p)
    {
        bool nullable = p.Type.Nullable;
        return p.ContentType switch
        {
            ContentType.Text => new ValueModel(ValueKind.String, nullable ? "string?" : "string", "string", nullable, true, null),
            ContentType.Binary => new ValueModel(ValueKind.Bytes, nullable ? "byte[]?" : "byte[]", "byte[]", nullable, true, null),
            _ => new ValueModel(ValueKind.Json, CsType(p.Type, true), CsType(p.Type, false), nullable, IsReference(p.Type), _prefix + _context),
        };
    }

    // text is the schema's description (plain text: escaped); fallback is already XML (its
    // markup stays, names in it are escaped by the caller with X), so it is not escaped twice.
    private static void Doc(StringBuilder sb, string indent, string? text, string fallback)
    {
        string summary = string.IsNullOrWhiteSpace(text) ? fallback : X(text!.Trim());
        sb.Append(indent).AppendLine("/// <summary>");
        foreach (string line in summary.Split('\n')) sb.Append(indent).Append("/// ").AppendLine(line.TrimEnd('\r'));
        sb.Append(indent).AppendLine("/// </summary>");
    }

    private static string X(string text) => System.Security.SecurityElement.Escape(text);

    private string Models()
    {
        var sb = new StringBuilder();
        TypeDecls.Open(sb, _ns, new string[0]);
        foreach (XtpSchemaDef s in _doc.Schemas)
        {
            string name = TypeName(s.Name);
            if (s.Kind == SchemaKind.Enum)
            {
                Doc(sb, "", s.Description, "The " + X(s.Name) + " enum of the XTP schema.");
                sb.Append("[global::System.Text.Json.Serialization.JsonConverter(typeof(").Append(name).AppendLine("JsonConverter))]");
                sb.Append("public enum ").AppendLine(name).AppendLine("{");
                foreach (string v in s.EnumValues)
                {
                    sb.Append("    /// <summary><c>").Append(v).AppendLine("</c></summary>");
                    sb.Append("    ").Append(EnumMember(v)).AppendLine(",");
                }
                sb.AppendLine("}").AppendLine();
                Doc(sb, "", null, "Reads and writes <see cref=\"" + name + "\"/> as the schema's strings.");
                sb.Append("public sealed class ").Append(name).Append("JsonConverter : global::System.Text.Json.Serialization.JsonConverter<").Append(name).AppendLine(">").AppendLine("{");
                sb.AppendLine("    /// <inheritdoc/>");
                sb.Append("    public override ").Append(name).AppendLine(" Read(ref global::System.Text.Json.Utf8JsonReader reader, global::System.Type typeToConvert, global::System.Text.Json.JsonSerializerOptions options)");
                sb.AppendLine("    {");
                sb.AppendLine("        if (reader.TokenType != global::System.Text.Json.JsonTokenType.String) throw new global::System.Text.Json.JsonException(" + TypeDecls.Literal(name + " must be a JSON string.") + ");");
                sb.AppendLine("        string? value = reader.GetString();");
                sb.AppendLine("        switch (value)");
                sb.AppendLine("        {");
                foreach (string v in s.EnumValues) sb.Append("            case ").Append(TypeDecls.Literal(v)).Append(": return ").Append(name).Append('.').Append(EnumMember(v)).AppendLine(";");
                sb.AppendLine("            default: throw new global::System.Text.Json.JsonException(\"'\" + value + \"' is not a " + name + " (" + string.Join(", ", s.EnumValues) + ").\");");
                sb.AppendLine("        }");
                sb.AppendLine("    }").AppendLine();
                sb.AppendLine("    /// <inheritdoc/>");
                sb.Append("    public override void Write(global::System.Text.Json.Utf8JsonWriter writer, ").Append(name).AppendLine(" value, global::System.Text.Json.JsonSerializerOptions options)");
                sb.AppendLine("    {");
                sb.AppendLine("        switch (value)");
                sb.AppendLine("        {");
                foreach (string v in s.EnumValues) sb.Append("            case ").Append(name).Append('.').Append(EnumMember(v)).Append(": writer.WriteStringValue(").Append(TypeDecls.Literal(v)).AppendLine("); break;");
                sb.AppendLine("            default: throw new global::System.Text.Json.JsonException(\"\" + (int)value + \" is not a " + name + ".\");");
                sb.AppendLine("        }");
                sb.AppendLine("    }");
                sb.AppendLine("}").AppendLine();
            }
            else if (s.Kind == SchemaKind.Object)
            {
                Doc(sb, "", s.Description, "The " + X(s.Name) + " object of the XTP schema.");
                sb.Append("public sealed partial record ").AppendLine(name).AppendLine("{");
                foreach (XtpProperty p in s.Properties)
                {
                    bool nullable = !p.Required || p.Type.Nullable;
                    Doc(sb, "    ", p.Description, "The <c>" + X(p.Name) + "</c> property" + (p.Required ? "" : " (optional: null when absent)") + ".");
                    sb.Append("    [global::System.Text.Json.Serialization.JsonPropertyName(").Append(TypeDecls.Literal(p.Name)).AppendLine(")]");
                    sb.Append("    public ").Append(CsType(p.Type, true, forceNullable: nullable)).Append(' ').Append(PropertyName(s, p)).Append(" { get; set; }");
                    if (!nullable && IsReference(p.Type)) sb.Append(" = ").Append(Initial(p.Type)).Append(';');
                    sb.AppendLine();
                    sb.AppendLine();
                }
                sb.AppendLine("}").AppendLine();
            }
        }
        return sb.ToString();
    }

    public static string EnumMember(string value) => Naming.Pascal(value);

    private string Initial(XtpType type)
    {
        type = Resolve(type);
        return type.Kind switch
        {
            XtpKind.String => "string.Empty",
            XtpKind.Buffer => "global::System.Array.Empty<byte>()",
            XtpKind.Array => "global::System.Array.Empty<" + CsType(type.Element!, true) + ">()",
            XtpKind.Map => "new " + CsType(type, true) + "()",
            _ => "null!",
        };
    }

    private string Interface(string interfaceName)
    {
        var sb = new StringBuilder();
        string indent = TypeDecls.Open(sb, _ns, new[] { "/// <summary>The exports of the plug-in the XTP schema describes (generated).</summary>\n[global::Extism.Sdk.PluginInterface]\npublic partial interface " + interfaceName });
        var methods = new List<ClientMethodModel>();
        string key = _prefix + interfaceName;
        foreach (XtpFunction f in _doc.Exports)
        {
            string name = Naming.Pascal(f.Name);
            ValueModel input = f.Input is null ? ValueModel.Void : Value(f.Input);
            ValueModel output = f.Output is null ? ValueModel.Void : Value(f.Output);
            string parameter = f.Input is null ? "" : input.TypeName + " input";
            string syncReturn = output.Kind == ValueKind.Void ? "void" : output.TypeName;
            string asyncReturn = output.Kind == ValueKind.Void ? "global::System.Threading.Tasks.Task" : "global::System.Threading.Tasks.Task<" + output.TypeName + ">";
            string lit = TypeDecls.Literal(f.Name);
            foreach (bool isAsync in new[] { false, true })
            {
                Doc(sb, indent, f.Description, "Calls the export <c>" + X(f.Name) + "</c>.");
                sb.Append(indent).Append("[global::Extism.Sdk.Export(").Append(lit).AppendLine(")]");
                string cancel = "global::System.Threading.CancellationToken cancellationToken";
                string parameters = isAsync ? (parameter.Length == 0 ? cancel : parameter + ", " + cancel) : parameter;
                sb.Append(indent).Append(isAsync ? asyncReturn : syncReturn).Append(' ').Append(name).Append(isAsync ? "Async" : "").Append('(').Append(parameters)
                    .AppendLine(isAsync ? " = default);" : ");");
                sb.AppendLine();
                var declarations = new List<string>();
                if (f.Input is not null) declarations.Add(input.TypeName + " @input");
                if (isAsync) declarations.Add("global::System.Threading.CancellationToken @cancellationToken");
                methods.Add(new ClientMethodModel(key, name + (isAsync ? "Async" : ""), f.Name, isAsync ? asyncReturn : syncReturn,
                    isAsync ? AsyncShape.Task : AsyncShape.Sync, output, f.Input is null ? null : "input", input,
                    isAsync ? "cancellationToken" : null, new EquatableArray<string>(declarations)));
            }
        }
        ClientSource.EmitBody(sb, indent, key, interfaceName, methods);
        TypeDecls.Close(sb, 1);
        return sb.ToString();
    }

    private string Imports(string className)
    {
        var sb = new StringBuilder();
        string indent = TypeDecls.Open(sb, _ns, new[] { "/// <summary>The host functions the XTP schema's plug-ins import: implement each partial method; GetHostFunctions() defines them (GetIsolatedHostFunctions() for an IsolatedPluginPool).</summary>\npublic partial class " + className });
        var methods = new List<HostMethodModel>();
        foreach (XtpFunction f in _doc.Imports)
        {
            string name = Naming.Pascal(f.Name);
            ValueModel input = f.Input is null ? ValueModel.Void : Value(f.Input);
            ValueModel output = f.Output is null ? ValueModel.Void : Value(f.Output);
            Doc(sb, indent, f.Description, "The host function <c>" + X(f.Name) + "</c>.");
            sb.Append(indent).Append("[global::Extism.Sdk.HostFunction(").Append(TypeDecls.Literal(f.Name)).AppendLine(")]");
            sb.Append(indent).Append("public partial ").Append(output.Kind == ValueKind.Void ? "void" : output.TypeName).Append(' ').Append(name)
                .Append('(').Append(f.Input is null ? "" : input.TypeName + " input").AppendLine(");");
            sb.AppendLine();
            methods.Add(new HostMethodModel(name, f.Name, null, false, PluginParameter.None,
                new EquatableArray<ValueModel>(f.Input is null ? new ValueModel[0] : new[] { input }), output));
        }
        HostFunctionsSource.EmitMembers(sb, indent, methods);
        TypeDecls.Close(sb, 1);
        return sb.ToString();
    }
}

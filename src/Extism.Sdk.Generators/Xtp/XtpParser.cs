using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Extism.Sdk.Generators.Xtp;

/// <summary>
/// Reads an XTP schema (YAML, or JSON, which YAML reads too) and checks it against the XTP
/// schema format (dylibso/xtp-bindgen plugin/schema.json, versions v0 and v1-draft, plus the
/// alias schemas and format names its parser accepts). Every problem becomes a diagnostic at the
/// offending key or value.
/// </summary>
internal sealed class XtpParser
{
    private static readonly Regex Identifier = new("^[a-zA-Z_$][a-zA-Z0-9_$]*$");
    private static readonly Regex SchemaRef = new("^#/components/schemas/([^/]+)$");

    private readonly XtpFile _file;
    private readonly SourceText _text;
    private readonly List<Diagnostic> _diagnostics;

    private XtpParser(XtpFile file, List<Diagnostic> diagnostics)
    {
        _file = file;
        _text = SourceText.From(file.Text);
        _diagnostics = diagnostics;
    }

    public static XtpDocument? Parse(XtpFile file, List<Diagnostic> diagnostics) => new XtpParser(file, diagnostics).Parse();

    private XtpDocument? Parse()
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(_file.Text));
        }
        catch (YamlException e)
        {
            _diagnostics.Add(Diagnostic.Create(Diagnostics.SchemaSyntax, At(e.Start, e.End), _file.Path, e.InnerException?.Message ?? e.Message));
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            _diagnostics.Add(Diagnostic.Create(Diagnostics.SchemaSyntax, Location.Create(_file.Path, default, default), _file.Path, "the document must be a mapping with 'version' and 'exports'"));
            return null;
        }
        int errors = _diagnostics.Count;
        var doc = new XtpDocument();
        string? version = Scalar(root, "version", "", required: true);
        if (version == "v0")
        {
            Keys(root, "", "version", "exports");
            if (Get(root, "exports") is YamlSequenceNode names)
            {
                foreach (YamlNode item in names)
                {
                    if (item is YamlScalarNode { Value: { } n } && Identifier.IsMatch(n))
                    {
                        doc.Exports.Add(new XtpFunction { Name = n, Input = Binary(), Output = Binary() });
                    }
                    else Error(item, "exports", "a v0 export must be a name matching ^[a-zA-Z_$][a-zA-Z0-9_$]*$");
                }
            }
            else Error(Get(root, "exports") ?? (YamlNode)root, "exports", "v0 needs 'exports', a list of export names");
            return _diagnostics.Count == errors ? doc : null;
        }
        if (version is not null && version != "v1-draft")
        {
            Error(Get(root, "version")!, "version", "'" + version + "' is not a supported version; use v1-draft (or v0)");
            return null;
        }
        Keys(root, "", "version", "exports", "imports", "components");

        if (Get(root, "components") is { } components)
        {
            if (components is YamlMappingNode c)
            {
                Keys(c, "components", "schemas");
                if (Get(c, "schemas") is { } schemas)
                {
                    foreach (var (name, node) in Entries(schemas, "components.schemas", identifierKeys: true))
                    {
                        XtpSchemaDef? def = SchemaDef(name, node, "components.schemas." + name);
                        if (def is not null) doc.Schemas.Add(def);
                    }
                }
                else Error(c, "components", "'schemas' is required");
            }
            else Error(components, "components", "must be a mapping");
        }
        var known = new HashSet<string>(doc.Schemas.Select(s => s.Name));

        if (Get(root, "exports") is { } exports)
        {
            foreach (var (name, node) in Entries(exports, "exports", identifierKeys: true)) doc.Exports.Add(Function(name, node, "exports." + name, allowCodeSamples: true));
        }
        else Error(root, "", "'exports' is required");
        if (Get(root, "imports") is { } imports)
        {
            foreach (var (name, node) in Entries(imports, "imports", identifierKeys: true)) doc.Imports.Add(Function(name, node, "imports." + name, allowCodeSamples: false));
        }
        // References are checked last, once every schema name is known.
        foreach ((XtpType type, YamlNode node, string path) in _refs)
        {
            if (!known.Contains(type.RefName!)) Error(node, path, "'#/components/schemas/" + type.RefName + "' does not exist; define it under components.schemas");
        }
        return _diagnostics.Count == errors ? doc : null;
    }

    private readonly List<(XtpType, YamlNode, string)> _refs = new();

    private static XtpParameter Binary() => new() { ContentType = ContentType.Binary, Type = new XtpType { Kind = XtpKind.Buffer } };

    private XtpFunction Function(string name, YamlNode node, string path, bool allowCodeSamples)
    {
        var f = new XtpFunction { Name = name };
        if (node is YamlScalarNode { Value: null or "" or "null" or "~" }) return f; // an export with neither input nor output
        if (node is not YamlMappingNode map)
        {
            Error(node, path, "must be a mapping with optional 'description', 'input' and 'output'");
            return f;
        }
        if (allowCodeSamples) Keys(map, path, "description", "codeSamples", "input", "output");
        else Keys(map, path, "description", "input", "output");
        f.Description = Scalar(map, "description", path);
        if (Get(map, "input") is { } input) f.Input = Parameter(input, path + ".input");
        if (Get(map, "output") is { } output) f.Output = Parameter(output, path + ".output");
        return f;
    }

    private XtpParameter? Parameter(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, path, "must be a mapping with 'contentType' and a 'type' or '$ref'");
            return null;
        }
        Keys(map, path, "contentType", "type", "format", "nullable", "description", "items", "additionalProperties", "$ref");
        var p = new XtpParameter { Description = Scalar(map, "description", path) };
        string? contentType = Scalar(map, "contentType", path, required: true);
        switch (contentType)
        {
            case "application/json": p.ContentType = ContentType.Json; break;
            case "text/plain; charset=utf-8": p.ContentType = ContentType.Text; break;
            case "application/x-binary": p.ContentType = ContentType.Binary; break;
            case null: break;
            default:
                Error(Get(map, "contentType")!, path + ".contentType", "'" + contentType + "' is not one of application/json, text/plain; charset=utf-8, application/x-binary");
                break;
        }
        p.Type = Type(map, path) ?? new XtpType { Kind = XtpKind.Buffer };
        return p;
    }

    private XtpSchemaDef? SchemaDef(string name, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, path, "must be a mapping with 'properties' (an object), 'enum' (an enum) or a 'type'");
            return null;
        }
        var def = new XtpSchemaDef { Name = name, Description = Scalar(map, "description", path) };
        if (Get(map, "enum") is { } values)
        {
            Keys(map, path, "type", "description", "enum");
            string? t = Scalar(map, "type", path);
            if (t is not null && t != "string") Error(Get(map, "type")!, path + ".type", "an enum's type must be 'string'");
            def.Kind = SchemaKind.Enum;
            if (values is YamlSequenceNode seq && seq.Children.Count > 0)
            {
                foreach (YamlNode v in seq)
                {
                    if (v is YamlScalarNode { Value: { } s } && Identifier.IsMatch(s)) def.EnumValues.Add(s);
                    else Error(v, path + ".enum", "enum values must be names matching ^[a-zA-Z_$][a-zA-Z0-9_$]*$");
                }
            }
            else Error(values, path + ".enum", "must be a non-empty list of names");
            return def;
        }
        if (Get(map, "properties") is { } properties)
        {
            Keys(map, path, "type", "description", "properties", "required");
            string? t = Scalar(map, "type", path);
            if (t is not null && t != "object") Error(Get(map, "type")!, path + ".type", "a schema with properties must have type 'object'");
            def.Kind = SchemaKind.Object;
            var required = new HashSet<string>();
            if (Get(map, "required") is { } req)
            {
                if (req is YamlSequenceNode rs)
                {
                    foreach (YamlNode r in rs)
                    {
                        if (r is YamlScalarNode { Value: { } rn }) required.Add(rn);
                        else Error(r, path + ".required", "must be a property name");
                    }
                }
                else Error(req, path + ".required", "must be a list of property names");
            }
            foreach (var (pname, pnode) in Entries(properties, path + ".properties", identifierKeys: true))
            {
                string ppath = path + ".properties." + pname;
                if (pnode is not YamlMappingNode pmap)
                {
                    Error(pnode, ppath, "must be a mapping with a 'type' or '$ref'");
                    continue;
                }
                Keys(pmap, ppath, "type", "format", "nullable", "description", "items", "additionalProperties", "$ref");
                XtpType? type = Type(pmap, ppath);
                if (type is null) continue;
                def.Properties.Add(new XtpProperty { Name = pname, Type = type, Required = required.Contains(pname), Description = Scalar(pmap, "description", ppath) });
            }
            foreach (string r in required)
            {
                if (def.Properties.All(p => p.Name != r)) Error(Get(map, "required")!, path + ".required", "'" + r + "' is not one of the properties");
            }
            return def;
        }
        // An alias: a schema that is a plain type (an integer, a map...).
        Keys(map, path, "type", "format", "nullable", "description", "items", "additionalProperties");
        def.Kind = SchemaKind.Alias;
        def.Alias = Type(map, path);
        return def.Alias is null ? null : def;
    }

    /// <summary>The type of a parameter, property, array item or map value.</summary>
    private XtpType? Type(YamlMappingNode map, string path)
    {
        var type = new XtpType();
        if (Get(map, "nullable") is { } nullable)
        {
            if (nullable is YamlScalarNode { Value: "true" or "false" } b) type.Nullable = b.Value == "true";
            else Error(nullable, path + ".nullable", "must be true or false");
        }
        if (Get(map, "$ref") is { } reference)
        {
            Match m = reference is YamlScalarNode { Value: { } r } ? SchemaRef.Match(r) : Match.Empty;
            if (!m.Success)
            {
                Error(reference, path + ".$ref", "must be '#/components/schemas/<name>'");
                return null;
            }
            type.Kind = XtpKind.Ref;
            type.RefName = m.Groups[1].Value;
            _refs.Add((type, reference, path + ".$ref"));
            return type;
        }
        string? name = Scalar(map, "type", path);
        string? format = Scalar(map, "format", path);
        if (name is null)
        {
            Error(map, path, "needs a 'type' or a '$ref'");
            return null;
        }
        void BadFormat() => Error(Get(map, "format")!, path + ".format", "'" + format + "' is not a format of type '" + name + "'");
        switch (name)
        {
            case "string":
                type.Kind = format == "date-time" ? XtpKind.DateTime : XtpKind.String;
                if (format is not null and not "date-time") BadFormat();
                break;
            case "integer":
                type.Kind = format switch
                {
                    "int8" => XtpKind.Int8,
                    "uint8" or "byte" => XtpKind.UInt8,
                    "int16" => XtpKind.Int16,
                    "uint16" => XtpKind.UInt16,
                    "int32" => XtpKind.Int32,
                    "uint32" => XtpKind.UInt32,
                    "uint64" => XtpKind.UInt64,
                    _ => XtpKind.Int64,
                };
                if (format is not null and not ("int8" or "uint8" or "byte" or "int16" or "uint16" or "int32" or "uint32" or "int64" or "uint64")) BadFormat();
                break;
            case "number":
                type.Kind = format == "float" ? XtpKind.Float : XtpKind.Double;
                if (format is not null and not ("float" or "double")) BadFormat();
                break;
            case "boolean": type.Kind = XtpKind.Boolean; break;
            case "buffer": type.Kind = XtpKind.Buffer; break;
            case "array":
                if (Get(map, "items") is YamlMappingNode items)
                {
                    Keys(items, path + ".items", "type", "format", "nullable", "items", "additionalProperties", "$ref", "description");
                    type.Kind = XtpKind.Array;
                    type.Element = Type(items, path + ".items");
                    if (type.Element is null) return null;
                }
                else
                {
                    Error(Get(map, "items") ?? map, path + ".items", "an array needs 'items', a mapping with the element's type");
                    return null;
                }
                break;
            case "object":
                if (Get(map, "additionalProperties") is { } values)
                {
                    if (values is not YamlMappingNode vmap)
                    {
                        Error(values, path + ".additionalProperties", "must be a mapping with the values' type");
                        return null;
                    }
                    Keys(vmap, path + ".additionalProperties", "type", "format", "nullable", "items", "additionalProperties", "$ref");
                    type.Kind = XtpKind.Map;
                    type.Element = Type(vmap, path + ".additionalProperties");
                    if (type.Element is null) return null;
                }
                else type.Kind = XtpKind.Any;
                break;
            default:
                Error(Get(map, "type")!, path + ".type", "'" + name + "' is not an XTP type (integer, string, number, boolean, object, array, buffer)");
                return null;
        }
        return type;
    }

    // ------------------------------------------------------------------ YAML helpers

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(e => e.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private string? Scalar(YamlMappingNode map, string key, string path, bool required = false)
    {
        YamlNode? node = Get(map, key);
        if (node is null)
        {
            if (required) Error(map, path, "'" + key + "' is required");
            return null;
        }
        if (node is YamlScalarNode s) return s.Value;
        Error(node, Join(path, key), "must be a single value");
        return null;
    }

    private void Keys(YamlMappingNode map, string path, params string[] allowed)
    {
        foreach (YamlNode key in map.Children.Keys)
        {
            string k = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(k)) Error(key, Join(path, k), "'" + k + "' is not allowed here (allowed: " + string.Join(", ", allowed) + ")");
        }
    }

    private IEnumerable<(string, YamlNode)> Entries(YamlNode node, string path, bool identifierKeys)
    {
        if (node is not YamlMappingNode map)
        {
            if (node is not YamlScalarNode { Value: null or "" }) Error(node, path, "must be a mapping of names");
            yield break;
        }
        foreach (KeyValuePair<YamlNode, YamlNode> entry in map.Children)
        {
            string k = (entry.Key as YamlScalarNode)?.Value ?? "";
            if (identifierKeys && !Identifier.IsMatch(k))
            {
                Error(entry.Key, Join(path, k), "'" + k + "' is not a valid name (^[a-zA-Z_$][a-zA-Z0-9_$]*$)");
                continue;
            }
            yield return (k, entry.Value);
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private void Error(YamlNode node, string path, string message) =>
        _diagnostics.Add(Diagnostic.Create(Diagnostics.SchemaInvalid, At(node.Start, node.End), _file.Path, path.Length == 0 ? "(root)" : path, message));

    private Location At(Mark start, Mark end)
    {
        int s = (int)System.Math.Min(System.Math.Max(0, start.Index), _text.Length);
        int e = (int)System.Math.Min(System.Math.Max(s, end.Index), _text.Length);
        var span = new TextSpan(s, e - s);
        return Location.Create(_file.Path, span, _text.Lines.GetLinePositionSpan(span));
    }
}

using System.Collections.Generic;

namespace Extism.Sdk.Generators.Xtp;

/// <summary>An XTP schema given as an AdditionalFile, with the item's ExtismInterface metadata.</summary>
internal sealed record XtpFile(string Path, string Text, string? InterfaceName)
{
    public static bool IsSchemaPath(string path)
    {
        string lower = path.ToLowerInvariant();
        return lower.EndsWith(".xtp.yaml") || lower.EndsWith(".xtp.yml") || lower.EndsWith(".xtp.json");
    }

    /// <summary>The file name before ".xtp" (greeter.xtp.yaml → greeter).</summary>
    public string BaseName
    {
        get
        {
            string name = System.IO.Path.GetFileName(Path);
            int dot = name.ToLowerInvariant().LastIndexOf(".xtp.");
            return dot > 0 ? name.Substring(0, dot) : name;
        }
    }
}

internal enum XtpKind
{
    String,
    DateTime,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float,
    Double,
    Boolean,
    Buffer,
    Any,   // a free-form object
    Array,
    Map,
    Ref,
}

/// <summary>A type in the schema: a scalar, an array of <see cref="Element"/>, a map to <see cref="Element"/>, or a reference.</summary>
internal sealed class XtpType
{
    public XtpKind Kind;
    public bool Nullable;
    public XtpType? Element;
    public string? RefName;
}

internal enum ContentType
{
    Json,
    Text,
    Binary,
}

internal sealed class XtpParameter
{
    public ContentType ContentType;
    public XtpType Type = new();
    public string? Description;
}

internal sealed class XtpFunction
{
    public string Name = "";
    public string? Description;
    public XtpParameter? Input;
    public XtpParameter? Output;
}

internal sealed class XtpProperty
{
    public string Name = "";
    public XtpType Type = new();
    public bool Required;
    public string? Description;
}

internal enum SchemaKind
{
    Object,
    Enum,
    Alias,
}

internal sealed class XtpSchemaDef
{
    public string Name = "";
    public SchemaKind Kind;
    public string? Description;
    public List<XtpProperty> Properties = new();
    public List<string> EnumValues = new();
    public XtpType? Alias;
}

internal sealed class XtpDocument
{
    public List<XtpFunction> Exports = new();
    public List<XtpFunction> Imports = new();
    public List<XtpSchemaDef> Schemas = new();
}

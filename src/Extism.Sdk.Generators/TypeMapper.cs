using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Extism.Sdk.Generators;

/// <summary>Maps .NET types of user code to <see cref="ValueModel"/>s, resolving JSON contexts.</summary>
internal sealed class TypeMapper
{
    private static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol? _jsonContextBase;
    private readonly INamedTypeSymbol? _contextAttribute;
    private readonly INamedTypeSymbol? _serializableAttribute;

    public TypeMapper(Compilation compilation)
    {
        _compilation = compilation;
        _jsonContextBase = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializerContext");
        _contextAttribute = compilation.GetTypeByMetadataName("Extism.Sdk.ExtismJsonContextAttribute");
        _serializableAttribute = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializableAttribute");
    }

    public static string Display(ITypeSymbol type) => type.ToDisplayString(Qualified);

    public static string Bare(ITypeSymbol type) =>
        type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(Qualified) : Display(type);

    public static bool IsCurrentPlugin(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CurrentPlugin", ContainingNamespace: { Name: "Sdk", ContainingNamespace: { Name: "Extism", ContainingNamespace.IsGlobalNamespace: true } } };

    public static bool IsRemotePlugin(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "RemotePlugin", ContainingNamespace: { Name: "Sdk", ContainingNamespace: { Name: "Extism", ContainingNamespace.IsGlobalNamespace: true } } };

    public static bool IsCancellationToken(ITypeSymbol type) =>
        type.ToDisplayString() == "System.Threading.CancellationToken";

    /// <summary>The kind for a type that is not JSON, or null.</summary>
    public static ValueKind? DirectKind(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Void: return ValueKind.Void;
            case SpecialType.System_Int32: return ValueKind.I32;
            case SpecialType.System_UInt32: return ValueKind.U32;
            case SpecialType.System_Int64: return ValueKind.I64;
            case SpecialType.System_UInt64: return ValueKind.U64;
            case SpecialType.System_Single: return ValueKind.F32;
            case SpecialType.System_Double: return ValueKind.F64;
            case SpecialType.System_Boolean: return ValueKind.Bool;
            case SpecialType.System_String: return ValueKind.String;
        }
        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }) return ValueKind.Bytes;
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && named.TypeArguments[0].SpecialType == SpecialType.System_Byte
            && named.ContainingNamespace.ToDisplayString() == "System")
        {
            if (named.Name == "ReadOnlySpan") return ValueKind.Span;
            if (named.Name == "ReadOnlyMemory") return ValueKind.Memory;
        }
        return null;
    }

    /// <summary>Types that can never be JSON values here (pointers, spans, delegates, tasks...).</summary>
    public static bool CannotBeJson(ITypeSymbol type) =>
        type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Delegate or TypeKind.TypeParameter or TypeKind.Error or TypeKind.Dynamic
        || type.IsRefLikeType
        || type.SpecialType == SpecialType.System_Object
        || IsCurrentPlugin(type) || IsRemotePlugin(type) || IsCancellationToken(type)
        || type.ToDisplayString().StartsWith("System.Threading.Tasks.", System.StringComparison.Ordinal);

    /// <summary>
    /// Maps <paramref name="type"/>. JSON types are checked against the context named for
    /// <paramref name="owner"/>; problems are added to <paramref name="diagnostics"/> at
    /// <paramref name="location"/>. Returns null when the type is unsupported (the caller reports that).
    /// </summary>
    public ValueModel? Map(ITypeSymbol type, ISymbol member, INamedTypeSymbol owner, Location? location, List<DiagnosticInfo> diagnostics)
    {
        bool nullable = type.NullableAnnotation == NullableAnnotation.Annotated
            || type is INamedTypeSymbol { ConstructedFrom.SpecialType: SpecialType.System_Nullable_T };
        ValueKind? kind = DirectKind(type);
        if (kind is not null) return new ValueModel(kind.Value, Display(type), Bare(type), nullable, type.IsReferenceType, null);
        if (CannotBeJson(type)) return null;

        string memberName = member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        INamedTypeSymbol? context = FindContext(owner, out Location? attributeLocation);
        if (context is null)
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.NoJsonContext, location, memberName, type.ToDisplayString(), owner.ToDisplayString()));
            return null;
        }
        if (_jsonContextBase is null || !DerivesFrom(context, _jsonContextBase))
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.BadJsonContext, attributeLocation ?? location, context.ToDisplayString()));
            return null;
        }
        if (!Lists(context, type))
        {
            diagnostics.Add(Diagnostics.Info(Diagnostics.MissingJsonType, location, memberName,
                type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(), context.ToDisplayString()));
            return null;
        }
        return new ValueModel(ValueKind.Json, Display(type), Bare(type), nullable, type.IsReferenceType, Display(context));
    }

    private INamedTypeSymbol? FindContext(INamedTypeSymbol owner, out Location? attributeLocation)
    {
        attributeLocation = null;
        if (_contextAttribute is null) return null;
        for (INamedTypeSymbol? type = owner; type is not null; type = type.ContainingType)
        {
            INamedTypeSymbol? found = ContextOf(type.GetAttributes(), ref attributeLocation);
            if (found is not null) return found;
        }
        return ContextOf(_compilation.Assembly.GetAttributes(), ref attributeLocation);
    }

    private INamedTypeSymbol? ContextOf(IEnumerable<AttributeData> attributes, ref Location? location)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _contextAttribute)) continue;
            location = attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol context) return context;
        }
        return null;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, baseType)) return true;
        }
        return false;
    }

    /// <summary>Whether the context lists the type with [JsonSerializable(typeof(T))] (nullable annotations ignored).</summary>
    private bool Lists(INamedTypeSymbol context, ITypeSymbol type)
    {
        ITypeSymbol wanted = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        return context.GetAttributes().Any(a =>
            SymbolEqualityComparer.Default.Equals(a.AttributeClass, _serializableAttribute)
            && a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is ITypeSymbol listed
            && SymbolEqualityComparer.Default.Equals(listed.WithNullableAnnotation(NullableAnnotation.NotAnnotated), wanted));
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace Extism.Sdk.Generators;

/// <summary>How a .NET value crosses into or out of a plug-in.</summary>
internal enum ValueKind
{
    Void,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    Bool,
    String,
    Bytes,   // byte[]
    Span,    // ReadOnlySpan<byte>
    Memory,  // ReadOnlyMemory<byte>
    Json,
}

/// <summary>
/// A mapped value. <see cref="TypeName"/> is the fully qualified type as declared (nullable
/// annotation included); <see cref="BareTypeName"/> is the same without a reference-type <c>?</c>
/// (for <c>typeof</c> and <c>JsonTypeInfo&lt;T&gt;</c>). <see cref="JsonContext"/> names the
/// context type for <see cref="ValueKind.Json"/> values.
/// </summary>
internal sealed record ValueModel(ValueKind Kind, string TypeName, string BareTypeName, bool IsNullable, bool IsReferenceType, string? JsonContext)
{
    public static readonly ValueModel Void = new(ValueKind.Void, "void", "void", false, false, null);
}

/// <summary>
/// One [HostFunction] method, ready to emit. <see cref="Plugin"/> decides which generated sets it
/// joins: none → both GetHostFunctions() and GetIsolatedHostFunctions(); CurrentPlugin → the
/// first only; RemotePlugin → the second only.
/// </summary>
internal sealed record HostMethodModel(
    string MethodName, string ImportName, string? Namespace, bool IsStatic, PluginParameter Plugin,
    EquatableArray<ValueModel> Parameters, ValueModel Result)
{
    public bool InProcess => Plugin != PluginParameter.Remote;

    public bool Isolated => Plugin != PluginParameter.Current;
}

/// <summary>The plug-in a [HostFunction] method takes as its first parameter, if any.</summary>
internal enum PluginParameter
{
    None,
    Current, // Extism.Sdk.CurrentPlugin: in-process plug-ins only
    Remote,  // Extism.Sdk.RemotePlugin: plug-ins in an IsolatedPluginPool only
}

/// <summary>A type declaration chain to reopen as partial: namespace and outermost type first.</summary>
internal sealed record TypeDeclModel(string? Namespace, EquatableArray<string> Declarations, string Key, string HintName, string FullName);

/// <summary>One plug-in interface method, ready to emit.</summary>
internal sealed record ClientMethodModel(
    string DeclaringInterface, string MethodName, string ExportName,
    string ReturnType, AsyncShape Shape, ValueModel Output,
    string? InputName, ValueModel Input, string? TokenName,
    EquatableArray<string> ParameterDeclarations);

internal enum AsyncShape
{
    Sync,
    Task,
    ValueTask,
}

/// <summary>A diagnostic kept as plain data, so that the incremental pipeline can compare it.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static LocationInfo? From(Microsoft.CodeAnalysis.Location? location)
    {
        if (location is null || location.SourceTree is null && !location.IsInSource) return null;
        Microsoft.CodeAnalysis.FileLinePositionSpan line = location.GetLineSpan();
        return new LocationInfo(line.Path, location.SourceSpan.Start, location.SourceSpan.Length,
            line.StartLinePosition.Line, line.StartLinePosition.Character, line.EndLinePosition.Line, line.EndLinePosition.Character);
    }

    public Microsoft.CodeAnalysis.Location ToLocation() => Microsoft.CodeAnalysis.Location.Create(
        FilePath, new Microsoft.CodeAnalysis.Text.TextSpan(Start, Length),
        new Microsoft.CodeAnalysis.Text.LinePositionSpan(
            new Microsoft.CodeAnalysis.Text.LinePosition(StartLine, StartColumn),
            new Microsoft.CodeAnalysis.Text.LinePosition(EndLine, EndColumn)));
}

/// <summary>An immutable array compared by its elements (ImmutableArray compares by reference).</summary>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
{
    private readonly ImmutableArray<T> _items;

    public EquatableArray(ImmutableArray<T> items) => _items = items;

    public EquatableArray(IEnumerable<T> items) => _items = items.ToImmutableArray();

    public ImmutableArray<T> Items => _items.IsDefault ? ImmutableArray<T>.Empty : _items;

    public int Count => Items.Length;

    public T this[int index] => Items[index];

    public bool Equals(EquatableArray<T> other) => Items.SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        int hash = 17;
        foreach (T item in Items) hash = hash * 31 + (item?.GetHashCode() ?? 0);
        return hash;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

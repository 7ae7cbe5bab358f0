namespace Extism.Sdk;

/// <summary>
/// Marks a <c>partial</c> interface as a typed client of a plug-in. The Extism source generator
/// adds <c>static Create(Plugin)</c> and <c>static Create(PluginPool)</c> to it, returning an
/// implementation that calls one export per method.
/// </summary>
/// <remarks>
/// A method's export is named by <see cref="ExportAttribute"/>, or else is the method's name in
/// snake_case without an <c>Async</c> suffix (<c>CountVowelsAsync</c> → <c>count_vowels</c>). A
/// method takes zero or one input (<c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>,
/// <c>ReadOnlySpan&lt;byte&gt;</c>, <see cref="string"/> or a JSON type) and an optional
/// <see cref="CancellationToken"/>, and returns <see langword="void"/>, bytes, a string or a JSON
/// type, directly or as <see cref="Task{TResult}"/> / <see cref="ValueTask{TResult}"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class PluginInterfaceAttribute : Attribute
{
}

/// <summary>Names the export a <see cref="PluginInterfaceAttribute"/> method calls.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ExportAttribute : Attribute
{
    /// <summary>Binds the method to the export <paramref name="name"/>, exactly as spelled.</summary>
    /// <param name="name">The export's name in the plug-in's main module.</param>
    public ExportAttribute(string name) => Name = name;

    /// <summary>The export's name.</summary>
    public string Name { get; }
}

/// <summary>
/// Names the <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> whose metadata the
/// generated code uses for JSON values of the type (or, on the assembly, of every type without its
/// own). The context must list each such type with <c>[JsonSerializable(typeof(T))]</c>; the
/// generator reports the ones missing, so no reflection-based JSON is ever used.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class ExtismJsonContextAttribute : Attribute
{
    /// <summary>Uses <paramref name="contextType"/> for JSON values.</summary>
    /// <param name="contextType">A class deriving from <c>JsonSerializerContext</c> with a static <c>Default</c> instance (as the System.Text.Json generator makes).</param>
    public ExtismJsonContextAttribute(Type contextType) => ContextType = contextType;

    /// <summary>The context type.</summary>
    public Type ContextType { get; }
}

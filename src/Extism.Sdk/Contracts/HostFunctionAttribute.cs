namespace Extism.Sdk;

/// <summary>
/// Marks a method as a host function. The Extism source generator (shipped in this package) adds
/// <c>GetHostFunctions()</c> to the method's <c>partial</c> type: static for static methods, an
/// instance method for instance methods, returning one <see cref="HostFunction"/> per marked method.
/// </summary>
/// <remarks>
/// Parameters and the result map to wasm values: <see cref="int"/>, <see cref="uint"/>,
/// <see cref="bool"/> (i32), <see cref="long"/>, <see cref="ulong"/> (i64), <see cref="float"/>,
/// <see cref="double"/>; <see cref="string"/> (UTF-8), <c>byte[]</c>, <c>ReadOnlySpan&lt;byte&gt;</c>
/// (parameters only, valid during the call) and <c>ReadOnlyMemory&lt;byte&gt;</c> travel as Extism
/// memory blocks (an i64 offset; a <see langword="null"/> result is offset 0); any other type is
/// JSON through the context named by <see cref="ExtismJsonContextAttribute"/>. An optional first
/// parameter of type <see cref="CurrentPlugin"/> receives the calling plug-in.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class HostFunctionAttribute : Attribute
{
    /// <summary>Marks a host function imported by plug-ins as <paramref name="name"/>.</summary>
    /// <param name="name">The import name (the wasm import's field name).</param>
    public HostFunctionAttribute(string name) => Name = name;

    /// <summary>The import name.</summary>
    public string Name { get; }

    /// <summary>The import module; <see cref="HostFunction.DefaultNamespace"/> (<c>extism:host/user</c>) when not set.</summary>
    public string? Namespace { get; set; }
}

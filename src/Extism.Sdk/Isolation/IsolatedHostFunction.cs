using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The body of an <see cref="IsolatedHostFunction"/>. It runs in the host process while the
/// plug-in waits in its worker; <paramref name="plugin"/> reaches the plug-in's memory across the
/// process boundary and is valid only until the callback returns. Write each output's union member
/// that matches its declared type (the preset <see cref="ExtismVal.t"/>).
/// </summary>
public delegate void IsolatedHostFunctionCallback(RemotePlugin plugin, ReadOnlySpan<ExtismVal> inputs, Span<ExtismVal> outputs);

/// <summary>
/// A host function for plug-ins in an <see cref="IsolatedPluginPool"/>: the plug-in calls it in
/// its worker process, the call travels to the host process, runs <see cref="IsolatedHostFunctionCallback"/>
/// there and its results travel back. The user data and the exceptions the callback throws never
/// leave the host process. Differences from <see cref="HostFunction"/>: memory is reached through
/// <see cref="RemotePlugin"/> (copies, each a round trip unless the worker sent the block ahead),
/// and the callback runs on the thread that made the pool call (for async calls, a thread-pool thread).
/// </summary>
public sealed class IsolatedHostFunction
{
    private readonly ExtismValType[] _inputTypes;
    private readonly ExtismValType[] _outputTypes;

    /// <summary>Defines a host function in namespace <see cref="HostFunction.DefaultNamespace"/>.</summary>
    /// <param name="name">The import name the plug-in uses.</param>
    /// <param name="inputs">Parameter types (I32, I64/PTR, F32, F64); copied.</param>
    /// <param name="outputs">Result types; copied.</param>
    /// <param name="userData">Anything the callback wants back through <see cref="RemotePlugin.GetUserData{T}"/>; stays in the host.</param>
    /// <param name="callback">The body.</param>
    /// <exception cref="ArgumentException">A type libextism cannot pass to a host function (V128, FuncRef, ExternRef), or an empty name.</exception>
    public IsolatedHostFunction(string name, ReadOnlySpan<ExtismValType> inputs, ReadOnlySpan<ExtismValType> outputs, object? userData, IsolatedHostFunctionCallback callback)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(callback);
        _inputTypes = Checked(inputs, nameof(inputs));
        _outputTypes = Checked(outputs, nameof(outputs));
        Name = name;
        UserData = userData;
        Callback = callback;
    }

    /// <summary>The import name.</summary>
    public string Name { get; }

    /// <summary>The import module; <see cref="HostFunction.DefaultNamespace"/> unless set.</summary>
    public string Namespace { get; private set; } = HostFunction.DefaultNamespace;

    /// <summary>Parameter types.</summary>
    public IReadOnlyList<ExtismValType> InputTypes => _inputTypes;

    /// <summary>Result types.</summary>
    public IReadOnlyList<ExtismValType> OutputTypes => _outputTypes;

    internal object? UserData { get; }

    internal IsolatedHostFunctionCallback Callback { get; }

    internal ReadOnlySpan<ExtismValType> DeclaredOutputs => _outputTypes;

    /// <summary>Sets the import module. Takes effect for pools created afterwards.</summary>
    public void SetNamespace(string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        Namespace = ns;
    }

    /// <summary>Sets the import module and returns this definition (for initialisers and generated code).</summary>
    public IsolatedHostFunction WithNamespace(string ns)
    {
        SetNamespace(ns);
        return this;
    }

    /// <summary>Deserializes the block at <paramref name="offset"/> with source-generated metadata; offset 0 (no data) gives default.</summary>
    /// <param name="plugin">The calling plug-in (valid only during the callback).</param>
    /// <param name="offset">An argument the plug-in passed: the start of a live block, or 0.</param>
    /// <param name="typeInfo">How to read the value.</param>
    /// <exception cref="ArgumentException"><paramref name="offset"/> is not 0 and not the start of a live block.</exception>
    /// <exception cref="JsonException">The block is not valid JSON for <typeparamref name="T"/>.</exception>
    public static T? ReadJsonBlock<T>(RemotePlugin plugin, long offset, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        byte[] json = plugin.ReadBytes(offset);
        return json.Length == 0 ? default : JsonSerializer.Deserialize(json, typeInfo);
    }

    /// <summary>Serializes <paramref name="value"/> into a new block owned by the plug-in and returns its offset; null gives 0 (no data).</summary>
    /// <param name="plugin">The calling plug-in (valid only during the callback).</param>
    /// <param name="value">The value to hand back.</param>
    /// <param name="typeInfo">How to write the value.</param>
    /// <exception cref="ExtismOutOfMemoryException">The plug-in's memory could not hold the JSON.</exception>
    public static long WriteJsonBlock<T>(RemotePlugin plugin, T? value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return value is null ? 0 : plugin.WriteBytes(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    private static ExtismValType[] Checked(ReadOnlySpan<ExtismValType> types, string parameter)
    {
        foreach (ExtismValType type in types)
        {
            if (type is not (ExtismValType.I32 or ExtismValType.I64 or ExtismValType.F32 or ExtismValType.F64))
            {
                throw new ArgumentException($"libextism cannot pass {type} to or from a host function.", parameter);
            }
        }
        return types.ToArray();
    }
}

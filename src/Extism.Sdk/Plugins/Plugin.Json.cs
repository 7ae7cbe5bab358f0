using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Extism.Sdk.Native;

namespace Extism.Sdk;

public sealed partial class Plugin
{
    private const string ReflectionJson = "Reflection-based JSON may need types that trimming removes; use the JsonTypeInfo overloads (System.Text.Json source generation) for trimmed and AOT apps.";
    private static readonly JsonSerializerOptions s_caseInsensitive = new() { PropertyNameCaseInsensitive = true };

    /// <summary>
    /// Sends <paramref name="input"/> as JSON and reads the output as JSON, with reflection.
    /// Without <paramref name="serializerOptions"/>, property names are matched case-insensitively.
    /// An empty output gives default.
    /// </summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public TOutput? Call<TInput, TOutput>(string functionName, TInput input, JsonSerializerOptions? serializerOptions = null, CancellationToken? cancellationToken = null)
    {
        JsonSerializerOptions options = serializerOptions ?? s_caseInsensitive;
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(input, options);
        var consumer = new ReflectionJsonConsumer<TOutput>(options);
        CallCore(functionName, json, null, cancellationToken ?? default, ref consumer);
        return consumer.Result;
    }

    /// <summary>Sends <paramref name="input"/> as JSON and reads the output as JSON, with source-generated metadata (trimming and AOT safe). An empty output gives default.</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    public TOutput? Call<TInput, TOutput>(string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken? cancellationToken = null)
    {
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(input, inputJsonInfo);
        var consumer = new JsonTypeInfoConsumer<TOutput>(outputJsonInfo);
        CallCore(functionName, json, null, cancellationToken ?? default, ref consumer);
        return consumer.Result;
    }

    /// <summary>Sends <paramref name="input"/> as UTF-8 text and reads the output as JSON, with reflection (case-insensitive without options).</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    [SkipLocalsInit]
    public TOutput? Call<TOutput>(string functionName, string input, JsonSerializerOptions? serializerOptions = null, CancellationToken? cancellationToken = null)
    {
        using var utf8 = new Utf8Input(input, nameof(input), stackalloc byte[Utf8Input.StackSize]);
        var consumer = new ReflectionJsonConsumer<TOutput>(serializerOptions ?? s_caseInsensitive);
        CallCore(functionName, utf8.Span, null, cancellationToken ?? default, ref consumer);
        return consumer.Result;
    }

    /// <summary>Sends <paramref name="input"/> as UTF-8 text and reads the output as JSON with source-generated metadata.</summary>
    /// <inheritdoc cref="Call(string, ReadOnlySpan{byte}, CancellationToken?)"/>
    [SkipLocalsInit]
    public TOutput? Call<TOutput>(string functionName, string input, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken? cancellationToken = null)
    {
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        using var utf8 = new Utf8Input(input, nameof(input), stackalloc byte[Utf8Input.StackSize]);
        var consumer = new JsonTypeInfoConsumer<TOutput>(outputJsonInfo);
        CallCore(functionName, utf8.Span, null, cancellationToken ?? default, ref consumer);
        return consumer.Result;
    }
}

using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

/// <summary>Source-generated (AOT-safe) metadata for the manifest types.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext
{
}

/// <summary>
/// Writes manifests in the runtime's schema. For plug-in creation, byte sources go by address
/// (<c>{"ptr":..,"len":..}</c>, accepted since libextism 1.0.1) instead of base64: the arrays are
/// pinned by a <see cref="PinScope"/> for exactly as long as the native constructor runs.
/// </summary>
internal static class ManifestJson
{
    internal static string Serialize(Manifest manifest) => JsonSerializer.Serialize(manifest, ManifestJsonContext.Default.Manifest);

    // One ready writer (options whose metadata is built once), taken by whoever serialises;
    // a concurrent second serialisation builds its own. No thread-static: the pin scope is set on
    // the taken writer's converter for exactly one serialisation.
    private static NativeWriter? s_writer;

    /// <summary>UTF-8 JSON for the native constructor; byte sources refer to arrays pinned by <paramref name="pins"/>.</summary>
    internal static byte[] SerializeForNative(Manifest manifest, PinScope pins)
    {
        NativeWriter writer = Interlocked.Exchange(ref s_writer, null) ?? new NativeWriter();
        writer.Converter.Pins = pins;
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(manifest, writer.TypeInfo);
        }
        finally
        {
            writer.Converter.Pins = null;
            Volatile.Write(ref s_writer, writer);
        }
    }

    /// <summary>
    /// Options for native manifests: a converter registered in the options takes precedence over
    /// the [JsonConverter] on WasmSource (which writes base64), and carries the pin scope.
    /// </summary>
    private sealed class NativeWriter
    {
        internal readonly WasmSourceConverter Converter = new();
        internal readonly JsonTypeInfo<Manifest> TypeInfo;

        internal NativeWriter()
        {
            var options = new JsonSerializerOptions(ManifestJsonContext.Default.Options);
            options.Converters.Add(Converter);
            TypeInfo = (JsonTypeInfo<Manifest>)options.GetTypeInfo(typeof(Manifest));
        }
    }

    /// <summary>Keeps byte arrays at fixed addresses until disposed.</summary>
    internal sealed class PinScope : IDisposable
    {
        private readonly List<GCHandle> _handles = new();

        internal IntPtr Pin(byte[] data)
        {
            GCHandle handle = GCHandle.Alloc(data, GCHandleType.Pinned);
            _handles.Add(handle);
            return handle.AddrOfPinnedObject();
        }

        public void Dispose()
        {
            foreach (GCHandle handle in _handles) handle.Free();
            _handles.Clear();
        }
    }
}

/// <summary>Writes each kind of wasm source in the untagged form the runtime expects.</summary>
internal sealed class WasmSourceConverter : JsonConverter<WasmSource>
{
    /// <summary>
    /// Set for one serialisation by <see cref="ManifestJson.SerializeForNative"/>: byte sources are
    /// then written by address, each array pinned in this scope. Null: base64 (the default,
    /// through the attribute on <see cref="WasmSource"/>).
    /// </summary>
    internal ManifestJson.PinScope? Pins { get; set; }

    public override WasmSource Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException("Extism manifests are written, not read: build a Manifest in code.");

    public override void Write(Utf8JsonWriter writer, WasmSource value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case PathWasmSource path:
                writer.WriteString("path", path.Path);
                break;
            case ByteArrayWasmSource bytes:
                if (Pins is { } pins)
                {
                    writer.WriteStartObject("data");
                    writer.WriteNumber("ptr", (ulong)(nuint)pins.Pin(bytes.Data));
                    writer.WriteNumber("len", (ulong)bytes.Data.LongLength);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteBase64String("data", bytes.Data);
                }
                break;
            case UrlWasmSource url:
                writer.WriteString("url", url.Url.AbsoluteUri);
                writer.WriteStartObject("headers");
                foreach (KeyValuePair<string, string> header in url.Headers) writer.WriteString(header.Key, header.Value);
                writer.WriteEndObject();
                if (url.Method is { } method) writer.WriteString("method", method.ToString());
                break;
            default:
                throw new NotSupportedException($"Unknown wasm source type {value.GetType().Name}.");
        }
        if (value.Name is not null) writer.WriteString("name", value.Name);
        // The runtime compares hashes as exact lower-case strings; accept either case from users.
        if (value.Hash is not null) writer.WriteString("hash", value.Hash.ToLowerInvariant());
        writer.WriteEndObject();
    }
}

/// <summary>TimeSpan as whole milliseconds, rounded up so that a sub-millisecond timeout is not 0 (which fires at once).</summary>
internal sealed class TimeoutMillisecondsConverter : JsonConverter<TimeSpan?>
{
    public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.TokenType == JsonTokenType.Null ? null : TimeSpan.FromMilliseconds(reader.GetUInt64());

    public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
    {
        if (value is not { } timeout) { writer.WriteNullValue(); return; }
        writer.WriteNumberValue(Manifest.TimeoutMilliseconds(timeout));
    }
}

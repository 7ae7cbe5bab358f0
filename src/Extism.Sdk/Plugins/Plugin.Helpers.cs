using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Extism.Sdk.Native;

namespace Extism.Sdk;

// Conveniences that forward to the constructors and instance operations in Plugin.cs.
public sealed unsafe partial class Plugin
{
    /// <summary>Creates a plug-in from WebAssembly text. Leading white space is allowed (libextism itself needs <c>(module</c> first).</summary>
    public static Plugin FromWat(string wat, HostFunction[]? functions = null, bool withWasi = false)
    {
        ArgumentNullException.ThrowIfNull(wat);
        return new Plugin(Encoding.UTF8.GetBytes(wat.TrimStart('\uFEFF', ' ', '\t', '\r', '\n')), functions ?? [], withWasi);
    }

    /// <summary>
    /// Merges <paramref name="value"/> into the plug-in's config: each key is set, and a null value
    /// removes the key. <paramref name="serializerOptions"/> is accepted for compatibility; only its
    /// encoder is used. Returns false if libextism rejected the update.
    /// </summary>
    public bool UpdateConfig(Dictionary<string, string> value, JsonSerializerOptions serializerOptions)
    {
        ArgumentNullException.ThrowIfNull(value);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = serializerOptions?.Encoder }))
        {
            writer.WriteStartObject();
            foreach (KeyValuePair<string, string> pair in value)
            {
                if (pair.Value is null) writer.WriteNull(pair.Key);
                else writer.WriteString(pair.Key, pair.Value);
            }
            writer.WriteEndObject();
        }
        return UpdateConfig(buffer.WrittenSpan);
    }

    /// <summary>The libextism version string, e.g. <c>1.41.0</c>.</summary>
    public static string ExtismVersion()
    {
        LibraryLoader.EnsureLoaded();
        return Marshal.PtrToStringUTF8((IntPtr)Interop.extism_version()) ?? "";
    }
}

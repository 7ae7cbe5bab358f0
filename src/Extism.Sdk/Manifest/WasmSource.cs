using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Extism.Sdk;

/// <summary>One wasm module of a <see cref="Manifest"/>: from a file, from bytes, or from a URL.</summary>
[JsonConverter(typeof(WasmSourceConverter))]
public abstract class WasmSource
{
    /// <summary>Module name other modules import it by; the module named <c>main</c> (or the last unnamed one) is the one called.</summary>
    public string? Name { get; set; }

    /// <summary>Expected SHA-256 of the module bytes, 64 hex digits; creation fails on a mismatch. Null skips the check.</summary>
    public string? Hash { get; set; }

    /// <summary>The SHA-256 of <paramref name="wasm"/> in the form <see cref="Hash"/> takes (lower-case hex).</summary>
    public static string ComputeHash(ReadOnlySpan<byte> wasm) => Convert.ToHexString(SHA256.HashData(wasm)).ToLowerInvariant();
}

/// <summary>A module read from a file by libextism when the plug-in is created.</summary>
public class PathWasmSource : WasmSource
{
    /// <summary>Creates the source; a relative <paramref name="path"/> is resolved by libextism against the current directory.</summary>
    public PathWasmSource(string path, string? name = null, string? hash = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        Name = name;
        Hash = hash;
    }

    /// <summary>Path of the wasm (or WAT) file.</summary>
    public string Path { get; set; }

    /// <summary>Reads the file, sets <see cref="WasmSource.Hash"/> to its SHA-256 and returns it.</summary>
    public string UpdateHash()
    {
        using FileStream file = File.OpenRead(Path);
        Hash = Convert.ToHexString(SHA256.HashData(file)).ToLowerInvariant();
        return Hash;
    }
}

/// <summary>A module given as bytes. Passed to libextism by address, without base64, while the plug-in is created.</summary>
public class ByteArrayWasmSource : WasmSource
{
    /// <summary>Creates the source. The array is referenced, not copied: do not change it until the plug-in is created.</summary>
    public ByteArrayWasmSource(byte[] data, string? name, string? hash = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        Name = name;
        Hash = hash;
    }

    /// <summary>The wasm (or WAT) bytes.</summary>
    public byte[] Data { get; set; }

    /// <summary>Sets <see cref="WasmSource.Hash"/> to the SHA-256 of <see cref="Data"/> and returns it.</summary>
    public string UpdateHash() => Hash = ComputeHash(Data);
}

/// <summary>A module libextism downloads when the plug-in is created.</summary>
public class UrlWasmSource : WasmSource
{
    /// <summary>Creates the source from an absolute http or https URL.</summary>
    public UrlWasmSource(string url, string? name = null, string? hash = null)
        : this(new Uri(url ?? throw new ArgumentNullException(nameof(url))), name, hash) { }

    /// <summary>Creates the source from an absolute http or https URL.</summary>
    public UrlWasmSource(Uri url, string? name = null, string? hash = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
        Name = name;
        Hash = hash;
    }

    /// <summary>Where to download the module from.</summary>
    public Uri Url { get; set; }

    /// <summary>Request headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = new();

    /// <summary>Request method; null means GET.</summary>
    public HttpMethod? Method { get; set; }
}

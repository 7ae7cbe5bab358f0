using System.Text.Json.Serialization;

namespace Extism.Sdk;

/// <summary>
/// Describes a plug-in for libextism: its wasm modules and what it may do (memory, hosts, paths,
/// config, timeout). Serialised to the runtime's manifest JSON when a plug-in is created; the
/// instance is not retained by the plug-in, so later changes affect only plug-ins created later.
/// </summary>
public partial class Manifest
{
    /// <summary>An empty manifest; add at least one source before creating a plug-in.</summary>
    public Manifest() { }

    /// <summary>A manifest with these wasm sources (the last unnamed one becomes <c>main</c>).</summary>
    public Manifest(params WasmSource[] sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        foreach (WasmSource source in sources) Sources.Add(source);
    }

    /// <summary>The wasm modules (JSON <c>wasm</c>). Exports are called on the module named <c>main</c>.</summary>
    [JsonPropertyName("wasm")]
    public IList<WasmSource> Sources { get; set; } = new List<WasmSource>();

    /// <summary>Memory limits (JSON <c>memory</c>); null leaves every limit at the runtime default.</summary>
    [JsonPropertyName("memory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemoryOptions? MemoryOptions { get; set; }

    /// <summary>
    /// Hosts the plug-in may reach with <c>http_request</c> (JSON <c>allowed_hosts</c>): globs on the
    /// host name only, lower case; <c>*</c> allows every host. Empty denies all.
    /// </summary>
    [JsonIgnore]
    public IList<string> AllowedHosts { get; set; } = new List<string>();

    /// <summary>
    /// WASI directories (JSON <c>allowed_paths</c>): key = host directory (prefix <c>ro:</c> for
    /// read-only), value = the path the plug-in sees. Used only when WASI is on.
    /// </summary>
    [JsonIgnore]
    public IDictionary<string, string> AllowedPaths { get; set; } = new Dictionary<string, string>();

    /// <summary>Configuration the plug-in reads with <c>config_get</c> (JSON <c>config</c>).</summary>
    [JsonPropertyName("config")]
    public IDictionary<string, string> Config { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Wall-clock limit for each call's export (JSON <c>timeout_ms</c>, whole milliseconds, rounded
    /// up); null for none. A call that exceeds it fails with <see cref="ExtismTimeoutException"/>.
    /// </summary>
    [JsonPropertyName("timeout_ms")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(TimeoutMillisecondsConverter))]
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// The timeout libextism enforces: <see cref="Timeout"/> rounded up to whole milliseconds, so
    /// that a sub-millisecond timeout is not 0 (which fires at once).
    /// </summary>
    internal TimeSpan? EffectiveTimeout => Timeout is { } t ? TimeSpan.FromMilliseconds(TimeoutMilliseconds(t)) : null;

    /// <summary>The JSON <c>timeout_ms</c> value for <paramref name="timeout"/>: whole milliseconds, rounded up.</summary>
    internal static ulong TimeoutMilliseconds(TimeSpan timeout) => (ulong)Math.Ceiling(timeout.TotalMilliseconds);

    // An empty list and an absent field mean the same to the runtime; leave empty ones out.
    [JsonInclude]
    [JsonPropertyName("allowed_hosts")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal IList<string>? AllowedHostsJson => AllowedHosts is { Count: > 0 } ? AllowedHosts : null;

    [JsonInclude]
    [JsonPropertyName("allowed_paths")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal IDictionary<string, string>? AllowedPathsJson => AllowedPaths is { Count: > 0 } ? AllowedPaths : null;

    /// <summary>
    /// The manifest as the runtime's JSON, with byte sources in base64. Useful for diagnostics or
    /// for storing a manifest; plug-in creation sends byte sources without base64.
    /// </summary>
    /// <exception cref="ArgumentException">The manifest is invalid; the message names the field.</exception>
    public string ToJson()
    {
        ManifestValidator.Validate(this, withWasi: false);
        return ManifestJson.Serialize(this);
    }
}

/// <summary>
/// Memory limits of a plug-in. Every member is optional: an unset one is left out of the JSON,
/// so the runtime applies its own default instead of a 0 that would disable the feature.
/// </summary>
public class MemoryOptions
{
    /// <summary>Most 64 KiB pages memory may grow by after instantiation (JSON <c>max_pages</c>); exceeding it fails the call with <see cref="ExtismOutOfMemoryException"/>.</summary>
    [JsonPropertyName("max_pages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxPages { get; set; }

    /// <summary>Largest HTTP response body the plug-in may receive (JSON <c>max_http_response_bytes</c>); runtime default 50 MiB.</summary>
    [JsonPropertyName("max_http_response_bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxHttpResponseBytes { get; set; }

    /// <summary>Approximate cap on the plug-in's var store (JSON <c>max_var_bytes</c>); 0 disables vars; runtime default 1 MiB.</summary>
    [JsonPropertyName("max_var_bytes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxVarBytes { get; set; }
}

/// <summary>HTTP method of a <see cref="UrlWasmSource"/> download.</summary>
public enum HttpMethod
{
    /// <summary>GET.</summary>
    GET,
    /// <summary>HEAD.</summary>
    HEAD,
    /// <summary>POST.</summary>
    POST,
    /// <summary>PUT.</summary>
    PUT,
    /// <summary>DELETE.</summary>
    DELETE,
    /// <summary>CONNECT.</summary>
    CONNECT,
    /// <summary>OPTIONS.</summary>
    OPTIONS,
    /// <summary>TRACE.</summary>
    TRACE,
    /// <summary>PATCH.</summary>
    PATCH,
}

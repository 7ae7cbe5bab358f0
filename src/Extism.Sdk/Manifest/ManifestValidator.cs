namespace Extism.Sdk;

/// <summary>
/// Catches manifest mistakes before libextism sees them: the runtime reports most of them only
/// as "Unknown manifest format", and some (duplicate module names) not at all.
/// Every message starts with the field at fault.
/// </summary>
internal static class ManifestValidator
{
    private const string Param = "manifest";

    internal static void Validate(Manifest manifest, bool withWasi)
    {
        ArgumentNullException.ThrowIfNull(manifest, Param);
        IList<WasmSource>? sources = manifest.Sources;
        if (sources is null || sources.Count == 0)
        {
            throw new ArgumentException("Manifest.Sources is empty: add at least one PathWasmSource, ByteArrayWasmSource or UrlWasmSource.", Param);
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < sources.Count; i++)
        {
            WasmSource? source = sources[i];
            string field = $"Manifest.Sources[{i}]";
            if (source is null) throw new ArgumentException($"{field} is null.", Param);
            ValidateSource(source, field);
            string name = EffectiveName(sources, i, names);
            if (names.TryGetValue(name, out int first))
            {
                throw new ArgumentException(
                    $"{field}.Name: module name '{name}' is already used by Manifest.Sources[{first}] (an unnamed source that is not last is named 'main'). Give each module a distinct name.", Param);
            }
            names.Add(name, i);
        }

        if (manifest.Config is { } config)
        {
            foreach (KeyValuePair<string, string> pair in config)
            {
                if (pair.Value is null) throw new ArgumentException($"Manifest.Config[\"{pair.Key}\"] is null: config values must be strings.", Param);
            }
        }
        if (manifest.AllowedHosts is { } hosts)
        {
            for (int i = 0; i < hosts.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(hosts[i])) throw new ArgumentException($"Manifest.AllowedHosts[{i}] is empty.", Param);
            }
        }
        if (manifest.AllowedPaths is { } paths)
        {
            foreach (KeyValuePair<string, string> pair in paths)
            {
                if (string.IsNullOrEmpty(pair.Key)) throw new ArgumentException("Manifest.AllowedPaths has an empty host directory.", Param);
                if (string.IsNullOrEmpty(pair.Value)) throw new ArgumentException($"Manifest.AllowedPaths[\"{pair.Key}\"]: the path the plug-in sees is empty.", Param);
                string host = pair.Key.StartsWith("ro:", StringComparison.Ordinal) ? pair.Key[3..] : pair.Key;
                // The runtime only opens these with WASI on; then a missing one fails instantiation with little detail.
                if (withWasi && !Directory.Exists(host))
                {
                    throw new ArgumentException($"Manifest.AllowedPaths[\"{pair.Key}\"]: host directory '{Path.GetFullPath(host)}' does not exist.", Param);
                }
            }
        }
        if (manifest.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Manifest.Timeout is {timeout}: it must be positive (use null for no timeout).", Param);
        }
        if (manifest.MemoryOptions is { } memory)
        {
            if (memory.MaxPages < 0) throw new ArgumentException($"Manifest.MemoryOptions.MaxPages is {memory.MaxPages}: it must not be negative.", Param);
            if (memory.MaxHttpResponseBytes < 0) throw new ArgumentException($"Manifest.MemoryOptions.MaxHttpResponseBytes is {memory.MaxHttpResponseBytes}: it must not be negative.", Param);
            if (memory.MaxVarBytes < 0) throw new ArgumentException($"Manifest.MemoryOptions.MaxVarBytes is {memory.MaxVarBytes}: it must not be negative.", Param);
        }
    }

    private static void ValidateSource(WasmSource source, string field)
    {
        switch (source)
        {
            case PathWasmSource path:
                if (string.IsNullOrEmpty(path.Path)) throw new ArgumentException($"{field}.Path is empty.", Param);
                if (!File.Exists(path.Path)) throw new ArgumentException($"{field}.Path: no file at '{Path.GetFullPath(path.Path)}'.", Param);
                break;
            case ByteArrayWasmSource bytes:
                if (bytes.Data is null || bytes.Data.Length == 0) throw new ArgumentException($"{field}.Data is empty.", Param);
                break;
            case UrlWasmSource url:
                if (url.Url is null || !url.Url.IsAbsoluteUri || (url.Url.Scheme != Uri.UriSchemeHttp && url.Url.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ArgumentException($"{field}.Url must be an absolute http or https URL (was '{url.Url}').", Param);
                }
                break;
            default:
                throw new ArgumentException($"{field} is a {source.GetType().Name}: only PathWasmSource, ByteArrayWasmSource and UrlWasmSource can be sent to libextism.", Param);
        }
        if (source.Hash is { } hash && !IsSha256Hex(hash))
        {
            throw new ArgumentException($"{field}.Hash '{hash}' is not a SHA-256: it must be 64 hexadecimal digits (see WasmSource.ComputeHash).", Param);
        }
        if (source.Name is "extism:host/env") throw new ArgumentException($"{field}.Name: 'extism:host/env' is reserved for the Extism kernel.", Param);
        if (source.Name is "") throw new ArgumentException($"{field}.Name is empty: use null for an unnamed module.", Param);
    }

    // The runtime's rule: a single module is main; otherwise each takes its name or 'main' when
    // unnamed, and if no main exists by the last one, the last is renamed main.
    private static string EffectiveName(IList<WasmSource> sources, int index, Dictionary<string, int> earlier)
    {
        if (sources.Count == 1) return "main";
        bool last = index == sources.Count - 1;
        if (last && !earlier.ContainsKey("main")) return "main";
        return sources[index].Name ?? "main";
    }

    private static bool IsSha256Hex(string value)
    {
        if (value.Length != 64) return false;
        foreach (char c in value)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }
}

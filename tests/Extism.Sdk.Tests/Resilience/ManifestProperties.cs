using System.Text;
using CsCheck;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// Generated manifests, as objects and as raw JSON: creation either works (and the plug-in
/// answers) or fails with a documented exception whose message names the cause.
/// </summary>
public static class ManifestProperties
{
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[0, 12],
        Gen.OneOf("", "a", "greeting", "é ü 😀", "with\"quote", "back\\slash", "new\nline", "nul\0char", "*.example.com", "127.0.0.1", "ro:/tmp", "/tmp", "-1"));

    private static readonly Gen<int?> Pages = Gen.OneOf<int?>(null, -1, 0, 1, 2, 4, 17, 64, 65536, 70000);

    private static readonly Gen<long?> Bytes = Gen.OneOf<long?>(null, -5, 0, 1, 100, 1 << 20, long.MaxValue);

    private static readonly Gen<TimeSpan?> Timeouts = Gen.OneOf<TimeSpan?>(
        null, TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(-3), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromDays(30), TimeSpan.MaxValue);

    /// <summary>A manifest description: which source, its fields, and WASI.</summary>
    public sealed record ManifestCase(int Source, string? Name, bool WrongHash, TimeSpan? Timeout, int? MaxPages, long? MaxVarBytes, long? MaxHttp,
        Dictionary<string, string> Config, string[] Hosts, Dictionary<string, string> Paths, bool Wasi, byte[] Input);

    /// <summary>Generated manifest objects.</summary>
    public static readonly Gen<ManifestCase> Cases =
        from source in Gen.Int[0, 3]
        from name in Gen.OneOf(Gen.Const((string?)null), Gen.Const((string?)"main"), Text.Select(s => (string?)s))
        from wrongHash in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
        from timeout in Timeouts
        from pages in Pages
        from vars in Bytes
        from http in Bytes
        from config in Text.Dictionary(Text)[0, 4]
        from hosts in Text.Array[0, 3]
        from paths in Text.Dictionary(Text)[0, 2]
        from wasi in Gen.Bool
        from input in Gen.Byte.Array[0, 300]
        select new ManifestCase(source, name, wrongHash, timeout, pages, vars, http, config, hosts, paths, wasi, input);

    /// <summary>Builds the manifest a case describes, pointing at echo.wasm.</summary>
    public static Manifest Build(ManifestCase c)
    {
        string path = TestPlugins.PathOf("echo");
        string? hash = c.WrongHash ? new string('0', 64) : null;
        WasmSource source = c.Source switch
        {
            0 => new PathWasmSource(path, c.Name, hash),
            1 => new ByteArrayWasmSource(File.ReadAllBytes(path), c.Name, hash),
            2 => new PathWasmSource(path + ".missing", c.Name, hash),
            _ => new ByteArrayWasmSource([0, 0x61, 0x73, 0x6d, 9, 9], c.Name, hash), // bad wasm version
        };
        var manifest = new Manifest(source) { Timeout = c.Timeout };
        if (c.MaxPages is not null || c.MaxVarBytes is not null || c.MaxHttp is not null)
        {
            manifest.MemoryOptions = new MemoryOptions { MaxPages = c.MaxPages, MaxVarBytes = c.MaxVarBytes, MaxHttpResponseBytes = c.MaxHttp };
        }
        foreach ((string k, string v) in c.Config) manifest.Config[k] = v;
        foreach (string h in c.Hosts) manifest.AllowedHosts.Add(h);
        foreach ((string k, string v) in c.Paths) manifest.AllowedPaths[k] = v;
        return manifest;
    }

    /// <summary>Creation works or fails documented; a created plug-in echoes (or fails documented, e.g. out of memory under a tiny limit); a canary still works.</summary>
    public static void ManifestObjects(Action<string>? log, long? iterations = null)
    {
        using var canary = new Canary();
        Properties.Check(Cases, c =>
    {
        Manifest manifest;
        try
        {
            manifest = Build(c);
        }
        catch (Exception e)
        {
            Properties.RequireDocumented(e, "building the manifest object");
            return;
        }
        CreateAndEcho(() => new Plugin(manifest, [], c.Wasi), c.Input);
        canary.Check();
    }, log, c => $"{c} config={Show(c.Config)} hosts=[{string.Join(",", c.Hosts)}] paths={Show(c.Paths)}", iterations);
    }

    /// <summary>Raw JSON cases: a manifest text built from parts, then possibly cut or corrupted.</summary>
    public static readonly Gen<(string Json, int Cut, int Flip, bool Wasi)> JsonCases =
        from c in Cases
        from cut in Gen.Frequency((3, Gen.Const(-1)), (1, Gen.Int[0, 400]))
        from flip in Gen.Frequency((3, Gen.Const(-1)), (1, Gen.Int[0, 400]))
        from extra in Gen.OneOf("", ",\"unknown\":1", ",\"memory\":\"x\"", ",\"timeout_ms\":-1", ",\"wasm\":[]", ",\"config\":{\"k\":7}", ",\"allowed_hosts\":\"*\"")
        select (RawJson(c, extra), cut, flip, c.Wasi);

    private static string RawJson(ManifestCase c, string extra)
    {
        var json = new StringBuilder("{\"wasm\":[{\"path\":");
        json.Append(Quote(c.Source == 2 ? TestPlugins.PathOf("echo") + ".missing" : TestPlugins.PathOf("echo")));
        if (c.Name is not null) json.Append(",\"name\":").Append(Quote(c.Name));
        json.Append("}]");
        if (c.Timeout is { } t) json.Append(",\"timeout_ms\":").Append((long)Math.Clamp(t.TotalMilliseconds, -10, 1e12));
        if (c.MaxPages is { } p) json.Append(",\"memory\":{\"max_pages\":").Append(p).Append('}');
        if (c.Config.Count > 0) json.Append(",\"config\":{").AppendJoin(',', c.Config.Select(kv => Quote(kv.Key) + ":" + Quote(kv.Value))).Append('}');
        if (c.Hosts.Length > 0) json.Append(",\"allowed_hosts\":[").AppendJoin(',', c.Hosts.Select(Quote)).Append(']');
        return json.Append(extra).Append('}').ToString();
    }

    /// <summary>Raw JSON manifests given to the byte constructor: created and answering, or a documented creation failure.</summary>
    public static void RawJsonManifests(Action<string>? log, long? iterations = null)
    {
        using var canary = new Canary();
        Properties.Check(JsonCases, c =>
    {
        byte[] bytes = Encoding.UTF8.GetBytes(c.Json);
        if (c.Cut >= 0 && c.Cut < bytes.Length) bytes = bytes[..c.Cut];
        if (c.Flip >= 0 && c.Flip < bytes.Length) bytes[c.Flip] ^= 0x5a;
        CreateAndEcho(() => new Plugin(bytes, [], c.Wasi), "raw json"u8.ToArray());
        canary.Check();
    }, log, c => $"{c.Json} cut={c.Cut} flip={c.Flip} wasi={c.Wasi}", iterations);
    }

    private static void CreateAndEcho(Func<Plugin> create, byte[] input)
    {
        Plugin plugin;
        try
        {
            plugin = create();
        }
        catch (Exception e)
        {
            Properties.RequireDocumented(e, "creating the plug-in");
            return;
        }
        using (plugin)
        {
            try
            {
                byte[] output = plugin.Call("echo", input).ToArray();
                if (!output.AsSpan().SequenceEqual(input)) throw new PropertyViolationException($"echo returned {output.Length} bytes for {input.Length}");
            }
            catch (ExtismException e)
            {
                // A tiny memory limit or timeout can fail the call itself; it must say so.
                Properties.RequireDocumented(e, "calling echo");
                if (e.Kind is not (ExtismErrorKind.OutOfMemory or ExtismErrorKind.Timeout or ExtismErrorKind.Trap)) throw;
            }
        }
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private static string Show(Dictionary<string, string> d) => "{" + string.Join(",", d.Select(kv => $"{Quote(kv.Key)}:{Quote(kv.Value)}")) + "}";
}

/// <summary>A plug-in kept for a whole property run: after each case, a normal call on it must still work (the process and runtime are fine).</summary>
public sealed class Canary : IDisposable
{
    private readonly Plugin _plugin = TestPlugins.Load("echo");

    /// <summary>Throws unless a normal call works.</summary>
    public void Check()
    {
        if (!_plugin.Call("echo", "canary"u8).SequenceEqual("canary"u8)) throw new PropertyViolationException("the canary plug-in answered wrongly");
    }

    /// <inheritdoc/>
    public void Dispose() => _plugin.Dispose();
}

using System.Buffers.Binary;
using Extism.Sdk.Native;

namespace Extism.Sdk.Isolation.Cost;

/// <summary>The committed test plug-ins (tests/plugins/wasm) and the host functions they import.</summary>
internal static class Plugins
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "plugins", "wasm");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/plugins/wasm not found above {AppContext.BaseDirectory}");
    });

    internal static byte[] Wasm(string name) => File.ReadAllBytes(Path.Combine(Folder.Value, name + ".wasm"));

    internal static Manifest Manifest(string name) => new(new ByteArrayWasmSource(Wasm(name), "main"));

    internal static byte[] U64(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>host_loop.wasm's add_one, in process.</summary>
    internal static HostFunction AddOne() =>
        new("add_one", [ExtismValType.I64], [ExtismValType.I64], null, static (_, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);

    /// <summary>host_loop.wasm's add_one, across the worker boundary.</summary>
    internal static IsolatedHostFunction IsolatedAddOne() =>
        new("add_one", [ExtismValType.I64], [ExtismValType.I64], null, static (_, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);

    /// <summary>hostile.wasm's user imports: present so that it links; the attacks used here never call them.</summary>
    internal static IsolatedHostFunction[] HostileImports() =>
        [.. new[] { "h_str", "h_bytes", "h_json", "h_gen", "h_fill", "h_read", "h_big", "h_bigbytes" }.Select(name =>
            new IsolatedHostFunction(name, [ExtismValType.I64], [ExtismValType.I64], null, static (_, _, outputs) => outputs[0].v.i64 = 0))];

    /// <summary>hostile.wasm's calls take p0 and p1 as little-endian u64s.</summary>
    internal static byte[] HostileInput(ulong p0 = 0, ulong p1 = 0) => [.. U64(p0), .. U64(p1)];

    /// <summary>Resident memory of this process's children (the workers), from /proc (Linux).</summary>
    internal static IReadOnlyList<(int Pid, long RssBytes)> ChildrenRss()
    {
        var list = new List<(int, long)>();
        string me = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string status = Path.Combine(dir, "status");
            try
            {
                string[] lines = File.ReadAllLines(status);
                string? ppid = lines.FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
                if (ppid == null || ppid[5..].Trim() != me) continue;
                string? rss = lines.FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (rss == null) continue;
                list.Add((int.Parse(Path.GetFileName(dir)), long.Parse(rss[6..].Trim().Replace(" kB", "")) * 1024));
            }
            catch (IOException) { } // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return list;
    }
}

using System.Buffers.Binary;
using Extism.Sdk.Native;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>The test plug-ins from tests/plugins/wasm, copied next to the tests, and pools over them.</summary>
internal static class TestPlugins
{
    internal static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "plugins", name + ".wasm");

    internal static Manifest Manifest(string name) => new(new PathWasmSource(PathOf(name)));

    internal static IsolatedPluginPool Pool(string name, int maxWorkers = 1, IsolatedHostFunction[]? functions = null, Action<IsolatedPluginPoolOptions>? configure = null, Manifest? manifest = null)
    {
        var options = new IsolatedPluginPoolOptions { MaxWorkers = maxWorkers, Name = $"{name}-{Guid.NewGuid():N}" };
        configure?.Invoke(options);
        return new IsolatedPluginPool(manifest ?? Manifest(name), functions, options);
    }

    /// <summary>hostile.wasm's imports, each returning 0; h_read reads the block it is given (and holds it a while, so the monitor sees the memory).</summary>
    internal static IsolatedHostFunction[] HostileFunctions(TimeSpan? holdAfterRead = null)
    {
        string[] names = ["h_str", "h_bytes", "h_json", "h_gen", "h_fill", "h_big", "h_bigbytes"];
        var functions = names.Select(n => new IsolatedHostFunction(n, [ExtismValType.I64], [ExtismValType.I64], null, static (_, _, outputs) => outputs[0].v.i64 = 0)).ToList();
        functions.Add(new IsolatedHostFunction("h_read", [ExtismValType.I64], [ExtismValType.I64], holdAfterRead, static (plugin, inputs, outputs) =>
        {
            byte[] block = plugin.ReadBytes(inputs[0].v.i64);
            if (plugin.GetUserData<TimeSpan?>() is { } hold) Thread.Sleep(hold);
            outputs[0].v.i64 = block.Length == 0 ? 0 : block[^1];
        }));
        return functions.ToArray();
    }

    /// <summary>hostile.wasm's input: p0 and p1 as u64 LE.</summary>
    internal static byte[] HostileInput(ulong p0 = 0, ulong p1 = 0)
    {
        byte[] input = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(input, p0);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), p1);
        return input;
    }

    internal static byte[] U64(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Waits until the pool has a worker and returns its pid.</summary>
    internal static int WaitForWorker(IsolatedPluginPool pool)
    {
        for (int i = 0; i < 400; i++)
        {
            int[] ids = pool.WorkerIds();
            if (ids.Length > 0) return ids[0];
            Thread.Sleep(25);
        }
        throw new TimeoutException("No worker started within 10 s.");
    }

    internal static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

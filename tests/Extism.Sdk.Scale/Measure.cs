using System.Diagnostics;

namespace Extism.Sdk.Scale;

/// <summary>
/// `measure`: what one compiled module and one instance of the generated plug-in cost this
/// process (RSS, virtual memory, threads), and how long compiling takes from scratch and again
/// after the module was freed. Run it with the disk cache cold, warm and off to compare.
/// </summary>
internal static class Measure
{
    /// <summary>`measure-file`: instances of one given wasm file (e.g. a Rust-PDK plug-in), RSS and virtual memory each.</summary>
    internal static int RunFile(string path, int count)
    {
        byte[] wasm = File.ReadAllBytes(path);
        Settle();
        var m0 = ProcessMemory.Read();
        using var compiled = new CompiledPlugin(wasm, [], withWasi: true);
        Settle();
        var m1 = ProcessMemory.Read();
        var instances = new List<Plugin>();
        for (int i = 0; i < count; i++)
        {
            Plugin p = compiled.Instantiate();
            p.Call("count_vowels", "Hello World"u8);
            instances.Add(p);
        }
        Settle();
        var m2 = ProcessMemory.Read();
        Console.WriteLine($"{path}: {wasm.Length} bytes");
        Row("compiled module", m1, m0, 1);
        Row($"per instance ({count}, one call each)", m2, m1, count);
        foreach (Plugin p in instances) p.Dispose();
        return 0;
    }

    internal static int Run(int modules, int sameModuleInstances)
    {
        Console.WriteLine($"libextism {Plugin.ExtismVersion()}, EXTISM_CACHE_CONFIG={Describe(Environment.GetEnvironmentVariable("EXTISM_CACHE_CONFIG"))}");
        byte[][] wat = Enumerable.Range(0, modules).Select(CountVowelsModule.Wat).ToArray();
        Settle();
        var m0 = ProcessMemory.Read();

        var compiled = new CompiledPlugin[modules];
        var compileMs = new double[modules];
        for (int i = 0; i < modules; i++)
        {
            long t = Stopwatch.GetTimestamp();
            compiled[i] = new CompiledPlugin(wat[i], [], withWasi: false);
            compileMs[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
        Settle();
        var m1 = ProcessMemory.Read();

        var instances = new List<Plugin>();
        for (int i = 0; i < modules; i++)
        {
            Plugin p = compiled[i].Instantiate();
            Check(i, p);
            instances.Add(p);
        }
        Settle();
        var m2 = ProcessMemory.Read();

        for (int i = 0; i < sameModuleInstances; i++)
        {
            Plugin p = compiled[0].Instantiate();
            Check(0, p);
            instances.Add(p);
        }
        Settle();
        var m3 = ProcessMemory.Read();

        foreach (Plugin p in instances) p.Dispose();
        Settle();
        var m4 = ProcessMemory.Read();
        foreach (CompiledPlugin c in compiled) c.Dispose();
        Settle();
        var m5 = ProcessMemory.Read();

        // An evicted module compiled again in the same process (what the registry does after evicting it).
        int again = Math.Min(50, modules);
        var recompileMs = new double[again];
        for (int i = 0; i < again; i++)
        {
            long t = Stopwatch.GetTimestamp();
            using var c = new CompiledPlugin(wat[i], [], withWasi: false);
            recompileMs[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        Console.WriteLine($"baseline: RSS {ProcessMemory.MiB(m0.RssBytes)}, virtual {ProcessMemory.GiB(m0.VirtualBytes)}, threads {m0.Threads}");
        Row($"per compiled module ({modules})", m1, m0, modules);
        Row($"per instance, distinct modules ({modules})", m2, m1, modules);
        Row($"per instance, one module ({sameModuleInstances})", m3, m2, sameModuleInstances);
        Console.WriteLine($"after disposing instances: RSS {ProcessMemory.MiB(m4.RssBytes)}, virtual {ProcessMemory.GiB(m4.VirtualBytes)}; after disposing modules: RSS {ProcessMemory.MiB(m5.RssBytes)}, virtual {ProcessMemory.GiB(m5.VirtualBytes)}, threads {m5.Threads}");
        Console.WriteLine($"compile, first time in this process: p50 {Percentile(compileMs, 50):F2} ms, p99 {Percentile(compileMs, 99):F2} ms, mean {compileMs.Average():F2} ms");
        Console.WriteLine($"compile again after freeing (evicted module): p50 {Percentile(recompileMs, 50):F2} ms, p99 {Percentile(recompileMs, 99):F2} ms");
        return 0;
    }

    private static void Check(int id, Plugin p)
    {
        if (!CountVowelsModule.IsExpected(id, p.Call(CountVowelsModule.Export, CountVowelsModule.Input))) throw new InvalidOperationException($"module {id} returned a wrong result");
    }

    private static void Row(string what, ProcessMemory after, ProcessMemory before, int n)
        => Console.WriteLine($"{what}: RSS +{(after.RssBytes - before.RssBytes) / 1024.0 / n:F0} KiB, virtual +{(after.VirtualBytes - before.VirtualBytes) / 1024.0 / 1024 / n:F1} MiB, threads +{(after.Threads - before.Threads) / (double)n:F2}, memory maps +{(after.Maps - before.Maps) / (double)n:F1} each");

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Thread.Sleep(200);
    }

    internal static double Percentile(double[] values, double p)
    {
        if (values.Length == 0) return double.NaN;
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Describe(string? value) => value is null ? "(unset: wasmtime default cache)" : value.Length == 0 ? "(empty: cache off)" : value;
}

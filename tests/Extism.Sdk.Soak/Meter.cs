using System.Diagnostics;
using System.Reflection;

namespace Extism.Sdk.Soak;

/// <summary>
/// Process measurements: RSS, managed heap, and the SDK's leak counts. The leak tracker is an
/// internal type of Extism.Sdk (Extism.Sdk.Native.LeakTracker.Snapshot()); it is read by
/// reflection so this program needs no access to the SDK's internals, and says so when the
/// loaded SDK has none.
/// </summary>
internal static class Meter
{
    private static readonly MethodInfo? SnapshotMethod =
        typeof(Plugin).Assembly.GetType("Extism.Sdk.Native.LeakTracker")?.GetMethod("Snapshot", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static);

    /// <summary>True when the loaded SDK counts its native objects.</summary>
    public static bool HasLeakTracker => SnapshotMethod is not null;

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public static long Rss()
    {
        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    /// <summary>EXTISM_SOAK_MALLOC_TRIM=1: after each tenth, also measure RSS once glibc returned its free memory.</summary>
    public static bool TrimForDiagnosis { get; } = Environment.GetEnvironmentVariable("EXTISM_SOAK_MALLOC_TRIM") == "1";

    /// <summary>glibc's malloc_trim(0): returns the allocator's free memory to the system. False where there is no glibc.</summary>
    public static bool TrimMalloc()
    {
        try
        {
            return MallocTrim(0) >= 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Collects fully, so counts and heap reflect only live objects.</summary>
    public static void Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>The leak counts as "name=value" pairs, or a note when the SDK has no tracker.</summary>
    public static string Leaks() => LeakValues() is { } values ? string.Join(" ", values.Select(kv => $"{kv.Key}={kv.Value}")) : "leak tracker: not in this SDK build";

    /// <summary>The leak counts by name, or null without a tracker.</summary>
    public static IReadOnlyDictionary<string, long>? LeakValues()
    {
        if (SnapshotMethod is null) return null;
        object snapshot = SnapshotMethod.Invoke(null, null)!;
        var values = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (PropertyInfo p in snapshot.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.PropertyType == typeof(long) || p.PropertyType == typeof(int)) values[p.Name] = Convert.ToInt64(p.GetValue(snapshot));
        }
        return values;
    }

    /// <summary>One line: RSS, heap, leaks.</summary>
    /// <summary>VmRSS split as the kernel reports it (anonymous memory and file-backed pages, in bytes) and the thread count; null off Linux.</summary>
    public static (long Anon, long File, long Threads)? RssParts()
    {
        if (!OperatingSystem.IsLinux()) return null;
        long anon = 0, file = 0, threads = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kb(line);
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = long.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return (anon, file, threads);

        static long Kb(string line) => long.Parse(line.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static string RssPartsText() => RssParts() is { } p ? $" (anon {p.Anon / (1024.0 * 1024):F1} + file {p.File / (1024.0 * 1024):F1}, {p.Threads} threads)" : "";

    // gc-committed: what the GC holds from the OS, so RSS growth can be told apart from native growth.
    public static string Line() =>
        $"rss={Rss() / (1024.0 * 1024):F1} MiB{RssPartsText()} heap={GC.GetTotalMemory(false) / (1024.0 * 1024):F1} MiB gc-committed={GC.GetGCMemoryInfo().TotalCommittedBytes / (1024.0 * 1024):F1} MiB {Leaks()}";
}

/// <summary>Prints a phase's progress at each tenth and judges RSS growth from the second tenth to the last.</summary>
internal sealed class Tenths(string phase, long total)
{
    private readonly List<long> _rss = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private long _next = Math.Max(1, total / 10);
    private int _tenth;

    /// <summary>Call after each unit of work; prints when a tenth is reached.</summary>
    public void Step(long done)
    {
        if (done < _next && done != total) return;
        _tenth++;
        _next = total * (_tenth + 1) / 10;
        long rss = Meter.Rss();
        _rss.Add(rss);
        Console.WriteLine($"  [{phase}] {_tenth * 10,3}% {done}/{total} {_watch.Elapsed.TotalSeconds,7:F1} s {Meter.Line()}");
        if (Meter.TrimForDiagnosis && Meter.TrimMalloc())
        {
            // Diagnostic mode only (it changes what later tenths measure): what RSS is once the C
            // allocator has handed its free memory back, i.e. what is really still allocated.
            _trimmed.Add(Meter.Rss());
            Console.WriteLine($"  [{phase}] {_tenth * 10,3}% after malloc_trim: {Meter.Line()}");
        }
    }

    private readonly List<long> _trimmed = [];

    /// <summary>The same growth measured after malloc_trim (EXTISM_SOAK_MALLOC_TRIM=1 on glibc), or null.</summary>
    public double? TrimmedGrowth => _trimmed.Count >= 3 ? 100.0 * (_trimmed[^1] - _trimmed[1]) / _trimmed[1] : null;

    /// <summary>RSS growth from the second tenth to the last, in percent (null with fewer than three tenths).</summary>
    public double? Growth => _rss.Count >= 3 ? 100.0 * (_rss[^1] - _rss[1]) / _rss[1] : null;
}

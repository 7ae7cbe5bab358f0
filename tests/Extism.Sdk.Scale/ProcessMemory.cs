namespace Extism.Sdk.Scale;

/// <summary>This process's resident and virtual memory and thread count, from /proc/self/status (Linux).</summary>
internal readonly record struct ProcessMemory(long RssBytes, long VirtualBytes, int Threads, int Maps, long PeakRssBytes, long PeakVirtualBytes)
{
    internal static ProcessMemory Read()
    {
        long rss = 0, vm = 0, hwm = 0, peak = 0;
        int threads = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line);
            else if (line.StartsWith("VmSize:", StringComparison.Ordinal)) vm = Kib(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kib(line);
            else if (line.StartsWith("VmPeak:", StringComparison.Ordinal)) peak = Kib(line);
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line.AsSpan(8).Trim());
        }
        // vm.max_map_count (65530 by default) is a limit too: every instance and module maps regions.
        int maps = File.ReadLines("/proc/self/maps").Count();
        return new ProcessMemory(rss, vm, threads, maps, hwm, peak);
    }

    private static long Kib(string line) => long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim()) * 1024;

    internal static string MiB(double bytes) => $"{bytes / (1024.0 * 1024):F1} MiB";

    internal static string GiB(double bytes) => $"{bytes / (1024.0 * 1024 * 1024):F2} GiB";

    internal static string TiB(double bytes) => $"{bytes / (1024.0 * 1024 * 1024 * 1024):F2} TiB";
}

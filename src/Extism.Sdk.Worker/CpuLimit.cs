namespace Extism.Sdk.Worker;

/// <summary>
/// IsolatedPluginPoolOptions.MaxWorkerCpuTime on Linux: before each call the worker moves its own
/// RLIMIT_CPU soft limit to the CPU time it has used so far plus the allowance, so the kernel ends
/// it with SIGXCPU (the pool reports CpuLimit) if the call burns more. RLIMIT_CPU counts whole
/// seconds of the process's total CPU time, hence the rounding up. Only the soft limit moves: an
/// unprivileged process cannot raise its hard limit again once lowered.
/// </summary>
internal static unsafe class CpuLimit
{
    private static bool s_coreDumpsOff;
    // The soft limit the worker started with, put back between calls so that an idle worker's
    // background work (the GC) cannot push it over a limit that was meant for the last call.
    private static nuint s_original;

    /// <summary>Arms the limit for the next call; false when the OS refused (the call runs without it).</summary>
    internal static bool Arm(long allowanceMs)
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (!s_coreDumpsOff)
        {
            // SIGXCPU's default action dumps core: a worker ended for its CPU use leaves no core file behind.
            var none = new NativeMethods.RLimit();
            _ = NativeMethods.setrlimit(NativeMethods.RLIMIT_CORE, &none);
            NativeMethods.RLimit start;
            if (NativeMethods.getrlimit(NativeMethods.RLIMIT_CPU, &start) != 0) return false;
            s_original = start.Current;
            s_coreDumpsOff = true;
        }
        NativeMethods.RUsage usage;
        NativeMethods.RLimit limit;
        if (NativeMethods.getrusage(NativeMethods.RUSAGE_SELF, &usage) != 0 || NativeMethods.getrlimit(NativeMethods.RLIMIT_CPU, &limit) != 0) return false;
        long usedUs = ((long)usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds;
        ulong seconds = (ulong)((usedUs + allowanceMs * 1000 + 999_999) / 1_000_000);
        limit.Current = (nuint)Math.Min(seconds, (ulong)limit.Maximum); // RLIM_INFINITY is all ones: no cap
        return NativeMethods.setrlimit(NativeMethods.RLIMIT_CPU, &limit) == 0;
    }

    /// <summary>After a call: the soft limit the worker started with.</summary>
    internal static void Disarm()
    {
        if (!OperatingSystem.IsLinux() || !s_coreDumpsOff) return;
        NativeMethods.RLimit limit;
        if (NativeMethods.getrlimit(NativeMethods.RLIMIT_CPU, &limit) != 0) return;
        limit.Current = s_original;
        _ = NativeMethods.setrlimit(NativeMethods.RLIMIT_CPU, &limit);
    }
}

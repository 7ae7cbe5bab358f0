using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Extism.Sdk.Isolation;

/// <summary>
/// A Windows job object holding one worker: the OS's limits there. Its handle lives in the host,
/// and closing it (the pool disposing the worker, or the host dying) kills the worker
/// (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE), Windows' counterpart of PR_SET_PDEATHSIG. It caps the
/// worker's committed memory at MaxWorkerMemoryBytes (an allocation past it fails in the worker,
/// which then dies) and, per call, its user-mode CPU time (the system terminates the process).
/// One job per worker, because a per-process time limit moved for one worker's call would move
/// it for every process in a shared job. Not run in this repository's Linux CI: see the isolation guide.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed partial class WorkerJob : IDisposable
{
    // What Windows reports as the exit code of a process it ended for its job's time limit.
    internal const int TimeLimitExitCode = 1816; // ERROR_NOT_ENOUGH_QUOTA

    private const int JobObjectExtendedLimitInformation = 9;
    private const uint LimitProcessTime = 0x2;
    private const uint LimitProcessMemory = 0x100;
    private const uint LimitKillOnJobClose = 0x2000;

    private readonly IntPtr _handle;
    private readonly long? _memory;
    private ExtendedLimits _limits;

    private WorkerJob(IntPtr handle, long? memory, ExtendedLimits limits)
    {
        _handle = handle;
        _memory = memory;
        _limits = limits;
    }

    /// <summary>Creates the job with its standing limits and puts <paramref name="process"/> in it.</summary>
    /// <exception cref="Win32Exception">The job could not be created, limited or assigned.</exception>
    internal static WorkerJob Attach(Process process, long? memoryBytes)
    {
        IntPtr handle = CreateJobObjectW(IntPtr.Zero, IntPtr.Zero);
        if (handle == IntPtr.Zero) throw new Win32Exception(Marshal.GetLastPInvokeError());
        var limits = new ExtendedLimits();
        limits.Basic.LimitFlags = LimitKillOnJobClose;
        if (memoryBytes is { } memory)
        {
            limits.Basic.LimitFlags |= LimitProcessMemory;
            limits.ProcessMemoryLimit = (nuint)memory;
        }
        var job = new WorkerJob(handle, memoryBytes, limits);
        try
        {
            job.Apply();
            if (!AssignProcessToJobObject(handle, process.Handle)) throw new Win32Exception(Marshal.GetLastPInvokeError());
            return job;
        }
        catch
        {
            job.Dispose(); // kills the process if it was assigned: it is of no use without its limits
            throw;
        }
    }

    /// <summary>Lets the worker use <paramref name="allowance"/> more user-mode CPU time than it has so far (before a call).</summary>
    internal void ArmCpuLimit(Process process, TimeSpan allowance)
    {
        try
        {
            _limits.Basic.PerProcessUserTimeLimit = (process.UserProcessorTime + allowance).Ticks; // both in 100 ns ticks
            _limits.Basic.LimitFlags |= LimitProcessTime;
            Apply();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            // The process is gone: the call finds out from the pipe.
        }
    }

    /// <summary>After a call: no time limit while the worker is idle (its background work must not end it).</summary>
    internal void DisarmCpuLimit()
    {
        if ((_limits.Basic.LimitFlags & LimitProcessTime) == 0) return;
        _limits.Basic.LimitFlags &= ~LimitProcessTime;
        try
        {
            Apply();
        }
        catch (Win32Exception)
        {
            // The process is gone.
        }
    }

    /// <summary>True when the job saw the worker's committed memory reach its limit (so a failed allocation ended it).</summary>
    internal bool ReachedMemoryLimit()
    {
        if (_memory is not { } memory) return false;
        ExtendedLimits now;
        unsafe
        {
            if (!QueryInformationJobObject(_handle, JobObjectExtendedLimitInformation, &now, (uint)sizeof(ExtendedLimits), IntPtr.Zero)) return false;
        }
        // Close to the limit counts: the allocation that failed was the one that would have passed it.
        return (long)now.PeakProcessMemoryUsed >= memory - (1 << 20);
    }

    private unsafe void Apply()
    {
        ExtendedLimits limits = _limits;
        if (!SetInformationJobObject(_handle, JobObjectExtendedLimitInformation, &limits, (uint)sizeof(ExtendedLimits))) throw new Win32Exception(Marshal.GetLastPInvokeError());
    }

    public void Dispose() => CloseHandle(_handle);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial IntPtr CreateJobObjectW(IntPtr attributes, IntPtr name);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool SetInformationJobObject(IntPtr job, int infoClass, void* info, uint length);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool QueryInformationJobObject(IntPtr job, int infoClass, void* info, uint length, IntPtr returnLength);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool AssignProcessToJobObject(IntPtr job, IntPtr process);

    [LibraryImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(IntPtr handle);

    // JOBOBJECT_BASIC_LIMIT_INFORMATION: LARGE_INTEGERs, DWORDs, SIZE_Ts and a ULONG_PTR, in this order.
    [StructLayout(LayoutKind.Sequential)]
    private struct BasicLimits
    {
        internal long PerProcessUserTimeLimit;
        internal long PerJobUserTimeLimit;
        internal uint LimitFlags;
        internal nuint MinimumWorkingSetSize;
        internal nuint MaximumWorkingSetSize;
        internal uint ActiveProcessLimit;
        internal nuint Affinity;
        internal uint PriorityClass;
        internal uint SchedulingClass;
    }

    // JOBOBJECT_EXTENDED_LIMIT_INFORMATION, with IO_COUNTERS as its six ULONGLONGs.
    [StructLayout(LayoutKind.Sequential)]
    private struct ExtendedLimits
    {
        internal BasicLimits Basic;
        internal ulong ReadOperationCount;
        internal ulong WriteOperationCount;
        internal ulong OtherOperationCount;
        internal ulong ReadTransferCount;
        internal ulong WriteTransferCount;
        internal ulong OtherTransferCount;
        internal nuint ProcessMemoryLimit;
        internal nuint JobMemoryLimit;
        internal nuint PeakProcessMemoryUsed;
        internal nuint PeakJobMemoryUsed;
    }
}

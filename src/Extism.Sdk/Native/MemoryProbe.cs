using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

/// <summary>
/// Asks the operating system, without faulting, how much of an address range is readable. The
/// only source of a plug-in memory's size that the plug-in cannot forge: libextism reports block
/// and output lengths from headers that live inside that memory (see <c>GuestMemory</c>). Used
/// only when a range goes past what is already known to be good, so a few system calls per
/// memory growth, never one per host call in the steady state.
/// </summary>
internal static unsafe partial class MemoryProbe
{
    private static readonly nuint s_pageSize = (nuint)Environment.SystemPageSize;
    private static readonly object s_gate = new();
    private static int s_method; // 0: not chosen yet; 1: process_vm_readv; 2: pipe; 3: VirtualQuery; -1: none works
    private static int s_readFd = -1, s_writeFd = -1;
    [ThreadStatic] private static long t_queries;

    /// <summary>How many times the OS was asked on this thread (tests: none in the steady state).</summary>
    internal static long Queries => t_queries;

    /// <summary>Forces the portable pipe probe (tests run the macOS code path with it on Linux).</summary>
    internal static void UsePipeForTests() { lock (s_gate) s_method = OperatingSystem.IsWindows() ? 3 : OpenPipe() ? 2 : -1; }

    /// <summary>The probe in use, for tests: process_vm_readv, pipe, VirtualQuery or none.</summary>
    internal static string Method { get { Choose(); return s_method switch { 1 => "process_vm_readv", 2 => "pipe", 3 => "VirtualQuery", _ => "none" }; } }

    /// <summary>
    /// How many bytes from <paramref name="start"/> on, up to <paramref name="length"/>, are
    /// readable without a gap: whole pages, so the answer may pass <paramref name="length"/> by
    /// less than a page. 0 when the first page is not readable or no probe works (callers then
    /// refuse the range: failing closed is the safe answer).
    /// </summary>
    internal static nuint ReadablePrefix(byte* start, nuint length)
    {
        if (length == 0) return 0;
        Choose();
        t_queries++;
        nuint first = (nuint)start & ~(s_pageSize - 1);
        nuint end = (nuint)start + length;
        if (end < (nuint)start) return 0;
        nuint pages = (end - first + s_pageSize - 1) / s_pageSize;
        nuint readableEnd = first + ReadablePages(first, pages) * s_pageSize;
        return readableEnd <= (nuint)start ? 0 : readableEnd - (nuint)start;
    }

    /// <summary>
    /// The first page of the readable run of pages that holds <paramref name="address"/>, looking
    /// back at most <paramref name="limit"/> bytes; null when <paramref name="address"/> is not readable.
    /// </summary>
    internal static byte* StartOfReadableRun(byte* address, ulong limit)
    {
        Choose();
        t_queries++;
        nuint low = (nuint)address & ~(s_pageSize - 1);
        if (ReadablePages(low, 1) != 1) return null;
        nuint floor = (ulong)address > limit ? ((nuint)address - (nuint)limit) & ~(s_pageSize - 1) : 0;
        const int Batch = 1024;
        while (low > floor)
        {
            nuint pages = Math.Min((nuint)Batch, (low - floor) / s_pageSize);
            if (pages == 0) break;
            nuint from = low - pages * s_pageSize;
            if (ReadablePages(from, pages) == pages)
            {
                low = from;
                continue;
            }
            // The run starts inside this batch: the fewest pages before `low` that are all readable
            // (a suffix that is readable stays readable when shortened, so this is a binary search).
            nuint lo = 0, hi = pages; // pages [from + hi, low) are readable; [from + lo, low) is not known to be
            while (hi - lo > 1)
            {
                nuint mid = lo + (hi - lo) / 2;
                nuint count = pages - mid;
                if (ReadablePages(from + mid * s_pageSize, count) == count) hi = mid; else lo = mid;
            }
            return (byte*)(from + hi * s_pageSize);
        }
        return (byte*)low;
    }

    private static nuint ReadablePages(nuint first, nuint pages) => s_method switch
    {
        1 => ReadablePagesVm(first, pages),
        2 => ReadablePagesPipe(first, pages),
        3 => ReadablePagesWindows(first, pages),
        _ => 0,
    };

    private static void Choose()
    {
        if (Volatile.Read(ref s_method) != 0) return;
        lock (s_gate)
        {
            if (s_method != 0) return;
            if (OperatingSystem.IsWindows()) { s_method = 3; return; }
            // process_vm_readv reads one byte per page for up to 1024 pages per system call; it
            // may be refused (seccomp, old kernels), so it must prove itself on memory that is
            // certainly readable. macOS has no such call: the pipe probe is used there.
            if (OperatingSystem.IsLinux())
            {
                byte known = 1;
                s_method = 1;
                nuint page = (nuint)(&known) & ~(s_pageSize - 1);
                if (ReadablePagesVm(page, 1) == 1) return;
            }
            s_method = OpenPipe() ? 2 : -1;
        }
    }

    // ---- Linux: process_vm_readv on our own process (respects page protections, unlike /proc/self/mem,
    //      which reads PROT_NONE pages through FOLL_FORCE and so cannot tell a guard page).

    private static delegate* unmanaged<int, IoVec*, nuint, IoVec*, nuint, nuint, nint> s_processVmReadv;
    private static delegate* unmanaged<int> s_getpid;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nuint Base;
        public nuint Length;
    }

    private static nuint ReadablePagesVm(nuint first, nuint pages)
    {
        if (s_processVmReadv == null)
        {
            s_processVmReadv = (delegate* unmanaged<int, IoVec*, nuint, IoVec*, nuint, nuint, nint>)Libc("process_vm_readv");
            s_getpid = (delegate* unmanaged<int>)Libc("getpid");
        }
        const int Batch = 1024; // IOV_MAX
        byte* sink = stackalloc byte[Batch];
        IoVec* remote = stackalloc IoVec[Batch];
        IoVec local = new() { Base = (nuint)sink, Length = Batch };
        int pid = s_getpid();
        nuint done = 0;
        while (done < pages)
        {
            int n = (int)Math.Min((ulong)(pages - done), Batch);
            for (int i = 0; i < n; i++) remote[i] = new IoVec { Base = first + (done + (nuint)i) * s_pageSize, Length = 1 };
            local.Length = (nuint)n;
            // A partial transfer stops at the first unreadable element; -1 means the first one failed.
            nint read = s_processVmReadv(pid, &local, 1, remote, (nuint)n, 0);
            if (read <= 0) return done;
            done += (nuint)read;
            if (read < n) return done;
        }
        return done;
    }

    // ---- Any POSIX system (macOS, or Linux when process_vm_readv is refused): write(2) of one byte
    //      from the page into a pipe fails with EFAULT instead of faulting, and the byte is read back.

    private static delegate* unmanaged<int*, int> s_pipe;
    private static delegate* unmanaged<int, void*, nuint, nint> s_write;
    private static delegate* unmanaged<int, void*, nuint, nint> s_read;

    // How often the pipe probe asks about one page before taking "unreadable" for an answer.
    private const int PipeAttempts = 3;

    private static bool OpenPipe()
    {
        if (s_readFd >= 0) return true;
        try
        {
            s_pipe = (delegate* unmanaged<int*, int>)Libc("pipe");
            s_write = (delegate* unmanaged<int, void*, nuint, nint>)Libc("write");
            s_read = (delegate* unmanaged<int, void*, nuint, nint>)Libc("read");
            int* fds = stackalloc int[2];
            if (s_pipe(fds) != 0) return false;
            s_readFd = fds[0];
            s_writeFd = fds[1];
            return true;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static nuint ReadablePagesPipe(nuint first, nuint pages)
    {
        byte sink;
        // One writer and reader at a time keeps the pipe empty between probes (slow path only).
        lock (s_gate)
        {
            for (nuint i = 0; i < pages; i++)
            {
                // A refused page is asked again before it counts as unreadable: qemu-user (10.0, the
                // linux-arm64 CI run) answered EFAULT for readable pages while other threads mapped
                // memory, and the SDK then refused a good output as outside the plug-in's memory. A
                // page that really is unreadable is refused every time, so asking again accepts
                // nothing that the first answer would have rejected rightly.
                nint written = 0;
                for (int attempt = 0; attempt < PipeAttempts && written != 1; attempt++)
                {
                    written = s_write(s_writeFd, (void*)(first + i * s_pageSize), 1);
                }
                if (written != 1) return i;
                if (s_read(s_readFd, &sink, 1) != 1) return i;
            }
        }
        return pages;
    }

    // The C library's symbols through the main program's global scope, as NativeEnvironment does:
    // no library name (glibc, musl, libSystem) needs to be guessed.
    private static nint Libc(string symbol) => NativeLibrary.GetExport(NativeLibrary.GetMainProgramHandle(), symbol);

    // ---- Windows: VirtualQuery walks the regions; committed and neither PAGE_NOACCESS nor PAGE_GUARD is readable.

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryBasicInformation
    {
        public nuint BaseAddress;
        public nuint AllocationBase;
        public uint AllocationProtect;
        public ushort PartitionId;
        public nuint RegionSize;
        public uint State;
        public uint Protect;
        public uint Type;
    }

    [LibraryImport("kernel32.dll")]
    private static partial nuint VirtualQuery(nuint address, MemoryBasicInformation* buffer, nuint length);

    private static nuint ReadablePagesWindows(nuint first, nuint pages)
    {
        const uint MemCommit = 0x1000, PageNoAccess = 0x01, PageGuard = 0x100;
        nuint end = first + pages * s_pageSize, at = first;
        MemoryBasicInformation info;
        while (at < end)
        {
            if (VirtualQuery(at, &info, (nuint)sizeof(MemoryBasicInformation)) == 0) break;
            if (info.State != MemCommit || info.Protect == 0 || (info.Protect & (PageNoAccess | PageGuard)) != 0) break;
            nuint regionEnd = info.BaseAddress + info.RegionSize;
            if (regionEnd <= at) break;
            at = regionEnd;
        }
        return ((at < end ? at : end) - first) / s_pageSize;
    }
}

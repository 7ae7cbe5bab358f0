using System.Runtime.InteropServices;

namespace Extism.Sdk.Worker;

/// <summary>The few libc calls the worker makes on Linux (and, for dup, other Unix systems).</summary>
internal static unsafe partial class NativeMethods
{
    private const string LibC = "libc";
    internal const int PR_SET_PDEATHSIG = 1;
    internal const int SIGKILL = 9;

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(LibC)]
    internal static partial int getppid();

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int dup(int fd);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int dup2(int oldFd, int newFd);

    // Linux's resource numbers (the same on x86 and arm; rlim_t and the timeval fields are C longs).
    internal const int RLIMIT_CPU = 0;
    internal const int RLIMIT_CORE = 4;
    internal const int RUSAGE_SELF = 0;

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int setrlimit(int resource, RLimit* limit);

    [LibraryImport(LibC, SetLastError = true)]
    internal static partial int getrusage(int who, RUsage* usage);

    internal struct RLimit
    {
        internal nuint Current;
        internal nuint Maximum;
    }

    /// <summary>struct rusage: the two timevals we read, then room for the 14 longs after them.</summary>
    internal struct RUsage
    {
        internal nint UserSeconds;
        internal nint UserMicroseconds;
        internal nint SystemSeconds;
        internal nint SystemMicroseconds;
        internal fixed long Rest[14];
    }
}

using System.Runtime.InteropServices;

namespace Extism.Sdk.Worker;

/// <summary>The few libc calls the worker makes on Linux (and, for dup, other Unix systems).</summary>
internal static partial class NativeMethods
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
}

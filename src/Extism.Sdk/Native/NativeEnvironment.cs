using System.Runtime.InteropServices;
using System.Text;

namespace Extism.Sdk.Native;

/// <summary>
/// The process environment as native code sees it. On Unix, .NET keeps its own copy of the
/// environment (Environment.SetEnvironmentVariable changes only that copy), so a variable meant
/// for libextism is read and written through the C library's getenv and setenv.
/// </summary>
internal static unsafe class NativeEnvironment
{
    /// <summary>The variable's value as libextism would read it, or null when unset.</summary>
    internal static string? Get(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        var getenv = (delegate* unmanaged<byte*, byte*>)Libc("getenv");
        fixed (byte* utf8 = Encoding.UTF8.GetBytes(name + "\0"))
        {
            byte* value = getenv(utf8);
            return value is null ? null : Marshal.PtrToStringUTF8((nint)value);
        }
    }

    /// <summary>
    /// Sets the variable for native code and for .NET alike. Not thread-safe against native code
    /// reading the environment at the same moment (setenv never is); callers set it at start-up.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">An empty value on Windows, where .NET removes a variable set to empty.</exception>
    /// <exception cref="InvalidOperationException">setenv failed.</exception>
    internal static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value.Length == 0 ? null : value);
        if (OperatingSystem.IsWindows())
        {
            if (value.Length == 0) throw new PlatformNotSupportedException($"An empty {name} cannot be set from .NET on Windows (it removes the variable); set it empty before the process starts instead.");
            return;
        }
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)Libc("setenv");
        fixed (byte* utf8 = Encoding.UTF8.GetBytes(name + "\0"))
        fixed (byte* text = Encoding.UTF8.GetBytes(value + "\0"))
        {
            if (setenv(utf8, text, 1) != 0) throw new InvalidOperationException($"setenv({name}) failed (errno {Marshal.GetLastSystemError()}).");
        }
    }

    // The C library's own symbols, found through the main program's global scope, so no library
    // name (glibc, musl, macOS) needs to be guessed.
    private static nint Libc(string symbol) => NativeLibrary.GetExport(NativeLibrary.GetMainProgramHandle(), symbol);
}

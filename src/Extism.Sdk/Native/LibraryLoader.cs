using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Extism.Sdk.Native;

/// <summary>
/// Finds libextism, loads it once, and checks its version before anything else calls it.
/// Order: an explicit path (<see cref="ExtismRuntime.SetLibraryPath"/>), <c>EXTISM_LIB_PATH</c>
/// (file or directory), <c>runtimes/&lt;rid&gt;/native/</c> next to the app, then the runtime's
/// default probing (which covers NuGet runtime packages listed in the app's deps.json).
/// </summary>
internal static unsafe class LibraryLoader
{
    internal const string EnvironmentVariable = "EXTISM_LIB_PATH";
    internal static readonly Version MinimumVersion = new(1, 9, 1);
    internal static readonly Version CompiledFuelVersion = new(1, 13, 0);

    private static readonly object s_gate = new();
    private static string? s_explicitPath;
    private static LoadedLibrary? s_loaded;
    private static bool s_resolverSet;

    internal sealed record LoadedLibrary(IntPtr Handle, string Path, string VersionText, Version? Version, bool HasCompiledFuelLimit);

    /// <summary>The loaded library; loads it on first use. Throws when it cannot be found or is too old.</summary>
    internal static LoadedLibrary Loaded
    {
        get
        {
            LoadedLibrary? loaded = Volatile.Read(ref s_loaded);
            return loaded ?? Load();
        }
    }

    internal static bool IsLoaded => Volatile.Read(ref s_loaded) is not null;

    internal static bool HasCompiledFuelLimit => Loaded.HasCompiledFuelLimit;

    /// <summary>Cheap check every façade entry point makes before its first native call.</summary>
    internal static void EnsureLoaded()
    {
        if (Volatile.Read(ref s_loaded) is null) Load();
    }

    /// <summary>
    /// The library a worker process (IsolatedPluginPool) should load so that it uses the one this
    /// process would: the loaded one, ExtismRuntime.SetLibraryPath's, or the one next to this app
    /// (a worker started from elsewhere would not look there). Null: let the worker probe (the
    /// environment variable is inherited).
    /// </summary>
    internal static string? PathForWorkers()
    {
        lock (s_gate)
        {
            if (s_loaded is not null && File.Exists(s_loaded.Path)) return s_loaded.Path;
            if (s_explicitPath is not null) return s_explicitPath;
        }
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable))) return null;
        string beside = System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", Platform.RuntimeIdentifier, "native", Platform.LibraryFileName);
        return File.Exists(beside) ? beside : null;
    }

    internal static void SetExplicitPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (s_gate)
        {
            if (s_loaded is not null)
            {
                throw new InvalidOperationException(
                    $"libextism is already loaded from '{s_loaded.Path}'; ExtismRuntime.SetLibraryPath must be called before the first plug-in is created.");
            }
            s_explicitPath = Path.GetFullPath(path);
        }
    }

    private static LoadedLibrary Load()
    {
        lock (s_gate)
        {
            if (s_loaded is not null) return s_loaded;
            if (!s_resolverSet)
            {
                NativeLibrary.SetDllImportResolver(typeof(LibraryLoader).Assembly, Resolve);
                s_resolverSet = true;
            }

            var attempts = new List<string>();
            IntPtr handle = IntPtr.Zero;
            string? path = null;

            if (s_explicitPath is not null)
            {
                TryCandidate(s_explicitPath, "ExtismRuntime.SetLibraryPath", attempts, ref handle, ref path);
                if (handle == IntPtr.Zero) throw NotFound(attempts); // an explicit choice is not silently replaced
            }
            string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (handle == IntPtr.Zero && !string.IsNullOrEmpty(env))
            {
                TryCandidate(env, EnvironmentVariable, attempts, ref handle, ref path);
                if (handle == IntPtr.Zero) throw NotFound(attempts);
            }
            if (handle == IntPtr.Zero)
            {
                string beside = System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", Platform.RuntimeIdentifier, "native", Platform.LibraryFileName);
                TryCandidate(beside, "next to the app", attempts, ref handle, ref path);
            }
            if (handle == IntPtr.Zero)
            {
                if (NativeLibrary.TryLoad(Interop.Library, typeof(LibraryLoader).Assembly, null, out handle))
                {
                    path = DescribeLoadedPath(handle);
                }
                else
                {
                    attempts.Add($"default probing for '{Interop.Library}' (app directory, NuGet runtime assets, system library path): not found");
                }
            }
            if (handle == IntPtr.Zero) throw NotFound(attempts);

            LoadedLibrary loaded = Inspect(handle, path!);
            Volatile.Write(ref s_loaded, loaded);
            return loaded;
        }
    }

    private static void TryCandidate(string candidate, string origin, List<string> attempts, ref IntPtr handle, ref string? path)
    {
        string file = Directory.Exists(candidate) ? System.IO.Path.Combine(candidate, Platform.LibraryFileName) : candidate;
        if (!File.Exists(file))
        {
            attempts.Add($"{origin}: '{file}' does not exist");
            return;
        }
        try
        {
            handle = NativeLibrary.Load(file);
            path = System.IO.Path.GetFullPath(file);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            attempts.Add($"{origin}: '{file}' could not be loaded ({e.Message})");
        }
    }

    private static string DescribeLoadedPath(IntPtr handle)
    {
        // Default probing does not say which file it took. The app directory (where publishing,
        // NativeAOT included, puts native assets) is the usual answer; otherwise name the probe.
        string beside = System.IO.Path.Combine(AppContext.BaseDirectory, Platform.LibraryFileName);
        return File.Exists(beside) ? beside : $"(default probing: {Interop.Library})";
    }

    private static LoadedLibrary Inspect(IntPtr handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "extism_version", out IntPtr versionExport))
        {
            throw new NotSupportedException($"'{path}' is not libextism: it has no extism_version export.");
        }
        var versionFn = (delegate* unmanaged[Cdecl]<byte*>)versionExport;
        string text = Marshal.PtrToStringUTF8((IntPtr)versionFn()) ?? "";
        Version? version = ParseVersion(text, out bool development);
        if (!development)
        {
            if (version is null)
            {
                throw new NotSupportedException($"libextism at '{path}' reports an unreadable version '{text}'.");
            }
            if (version < MinimumVersion)
            {
                throw new NotSupportedException(
                    $"libextism {text} at '{path}' is too old: this SDK needs {MinimumVersion} or newer. " +
                    $"Install a newer one (build/install-libextism.sh --rid {Platform.RuntimeIdentifier}) or reference the Extism.Runtime.{Platform.RuntimeIdentifier} package.");
            }
        }
        bool compiledFuel = NativeLibrary.TryGetExport(handle, "extism_compiled_plugin_new_with_fuel_limit", out _);
        return new LoadedLibrary(handle, path, text, version, compiledFuel);
    }

    /// <summary>Parses "1.41.0" (no leading v); "0.0.0-dev" and "0.0.0+replaced-by-ci" are development builds.</summary>
    internal static Version? ParseVersion(string text, out bool development)
    {
        development = text.StartsWith("0.0.0-", StringComparison.Ordinal) || text.StartsWith("0.0.0+", StringComparison.Ordinal);
        int cut = text.IndexOfAny(['-', '+']);
        string core = cut >= 0 ? text[..cut] : text;
        return Version.TryParse(core, out Version? v) && v.Build >= 0 ? v : null;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == Interop.Library ? Loaded.Handle : IntPtr.Zero;

    private static ExtismLibraryNotFoundException NotFound(List<string> attempts)
    {
        string rid = Platform.RuntimeIdentifier;
        var message = new StringBuilder();
        message.Append($"libextism ({Platform.LibraryFileName}) for {rid} was not found. Looked in:");
        foreach (string a in attempts) message.Append("\n  - ").Append(a);
        message.Append($"\nTo fix: add the NuGet package Extism.Runtime.{rid} (or Extism.Runtime.All), ");
        message.Append($"or in the SDK repository run `build/install-libextism.sh --rid {rid}`, ");
        message.Append($"or point {EnvironmentVariable} at the library file or its directory.");
        return new ExtismLibraryNotFoundException(message.ToString(), rid, attempts.ToArray());
    }
}

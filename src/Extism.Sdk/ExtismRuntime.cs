using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The native libextism this process uses: where it was found and which version it is, and a
/// way to choose the file yourself. libextism is loaded once per process, on first use.
/// </summary>
public static class ExtismRuntime
{
    /// <summary>The oldest libextism release this SDK accepts.</summary>
    public static Version MinimumSupportedVersion => LibraryLoader.MinimumVersion;

    /// <summary>
    /// Use this libextism file (or the library file inside this directory) instead of searching.
    /// Must be called before the first plug-in is created: once the library has loaded this
    /// throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="path">A file path, or a directory holding the platform's library file.</param>
    public static void SetLibraryPath(string path) => LibraryLoader.SetExplicitPath(path);

    /// <summary>True once libextism has been loaded in this process.</summary>
    public static bool IsLoaded => LibraryLoader.IsLoaded;

    /// <summary>Loads libextism now (it is otherwise loaded on first use), so that a missing or too old library fails early.</summary>
    /// <exception cref="ExtismLibraryNotFoundException">No library was found; the message lists where we looked and how to install one.</exception>
    /// <exception cref="NotSupportedException">The library found is older than <see cref="MinimumSupportedVersion"/>.</exception>
    public static void EnsureLoaded() => LibraryLoader.EnsureLoaded();

    /// <summary>The full path of the loaded library (loads it if needed). For diagnostics.</summary>
    public static string LibraryPath => LibraryLoader.Loaded.Path;

    /// <summary>The version string libextism reports, e.g. <c>1.41.0</c> (loads it if needed).</summary>
    public static string Version => LibraryLoader.Loaded.VersionText;

    /// <summary>The runtime identifier used to find the library, e.g. <c>linux-x64</c>.</summary>
    public static string RuntimeIdentifier => Platform.RuntimeIdentifier;

    /// <summary>
    /// Give every host-function call its own child activity (<c>extism.host_call {name}</c>) under
    /// the plug-in call's <c>extism.call</c> activity, when the <c>Extism.Sdk</c> activity source
    /// has listeners. Off by default, because a host-intensive plug-in makes thousands of host
    /// calls per plug-in call; the <c>extism.host_function.calls</c> counter is recorded either way.
    /// Also set by the runtime switch <c>Extism.Sdk.TraceHostFunctions</c>.
    /// </summary>
    public static bool TraceHostFunctions
    {
        get => Diagnostics.ExtismTelemetry.TraceHostFunctions;
        set => Diagnostics.ExtismTelemetry.TraceHostFunctions = value;
    }
}

/// <summary>
/// libextism could not be found or loaded. The message names the runtime identifier, every
/// place that was searched, and how to install the library.
/// </summary>
public sealed class ExtismLibraryNotFoundException : DllNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public ExtismLibraryNotFoundException(string message, string runtimeIdentifier, IReadOnlyList<string> searched)
        : base(message)
    {
        RuntimeIdentifier = runtimeIdentifier;
        Searched = searched;
    }

    /// <summary>The runtime identifier a library was looked for.</summary>
    public string RuntimeIdentifier { get; }

    /// <summary>Each place searched, with why it did not work.</summary>
    public IReadOnlyList<string> Searched { get; }
}

using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

// The constructors' native work (validation first, then libextism), for the constructors in Plugin.cs.
public sealed unsafe partial class Plugin
{
    private static (PluginHandle, InstanceSource?) CreateFromManifest(Manifest manifest, HostFunction[] functions, PluginInitializationOptions options)
    {
        LibraryLoader.EnsureLoaded();
        ManifestValidator.Validate(manifest, options.WithWasi);
        CheckFuel(options.FuelLimit);
        // Byte sources go to libextism by address: pinned until the native constructor returns.
        using var pins = new ManifestJson.PinScope();
        return InstanceSource.Create(ManifestJson.SerializeForNative(manifest, pins), functions, options, manifest.EffectiveTimeout);
    }

    private static (PluginHandle, InstanceSource?) CreateFromBytes(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options)
    {
        LibraryLoader.EnsureLoaded();
        if (wasm.IsEmpty) throw new ArgumentException("The wasm bytes are empty.", nameof(wasm));
        CheckFuel(options.FuelLimit);
        return InstanceSource.Create(wasm, functions, options, timeout: null); // a manifest inside the bytes is not parsed here
    }

    /// <summary>
    /// A plug-in from manifest JSON that the host already validated (the worker process of an
    /// <see cref="IsolatedPluginPool"/>), with the manifest's timeout known for late-cancel checks.
    /// </summary>
    internal static Plugin FromManifestJson(ReadOnlySpan<byte> json, HostFunction[] functions, PluginInitializationOptions options, TimeSpan? timeout)
    {
        LibraryLoader.EnsureLoaded();
        var plugin = new Plugin(InstanceSource.Create(json, functions, options, timeout));
        plugin._timeout = timeout;
        plugin._timeoutKnown = true;
        return plugin;
    }

    private static void CheckFuel(long? fuelLimit)
    {
        if (fuelLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(fuelLimit), fuelLimit, "FuelLimit must be positive (null for no limit).");
    }

    /// <summary>Turns a constructor's owned error string into an exception, freeing the string.</summary>
    internal static ExtismException CreationError(byte* error)
    {
        string message = error is null ? "libextism failed without a message." : Marshal.PtrToStringUTF8((IntPtr)error) ?? "";
        Interop.extism_plugin_new_error_free(error);
        return new ExtismException(message, ExtismErrorKind.Creation, null);
    }
}

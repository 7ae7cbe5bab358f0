using System.Runtime.InteropServices;
using System.Text;
using Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// libextism's exports as plain function pointers, taken from the very library the SDK loaded, so
/// that the raw rows (<see cref="RawNoop"/>, <see cref="RawHostLoop"/>) run the same native code
/// as the SDK with nothing between. Shared with tests/Extism.Sdk.Benchmarks.Instructions, which
/// compiles these files too, so both tools measure one and the same raw call.
/// </summary>
internal static unsafe class RawExports
{
    public static readonly nint Library = Load();

    public static readonly delegate* unmanaged<nint, byte*, byte*, ulong, void*, int> Call =
        (delegate* unmanaged<nint, byte*, byte*, ulong, void*, int>)Export("extism_plugin_call_with_host_context");
    public static readonly delegate* unmanaged<nint, byte*> Error = (delegate* unmanaged<nint, byte*>)Export("extism_plugin_error");
    public static readonly delegate* unmanaged<nint, ulong> OutputLength = (delegate* unmanaged<nint, ulong>)Export("extism_plugin_output_length");
    public static readonly delegate* unmanaged<nint, byte*> OutputData = (delegate* unmanaged<nint, byte*>)Export("extism_plugin_output_data");
    public static readonly delegate* unmanaged<nint, void> PluginFree = (delegate* unmanaged<nint, void>)Export("extism_plugin_free");
    public static readonly delegate* unmanaged<nint, void> FunctionFree = (delegate* unmanaged<nint, void>)Export("extism_function_free");

    private static nint Load()
    {
        ExtismRuntime.EnsureLoaded();
        return NativeLibrary.Load(ExtismRuntime.LibraryPath);
    }

    private static nint Export(string name) => NativeLibrary.GetExport(Library, name);

    /// <summary>
    /// A plug-in from <paramref name="source"/> (wasm bytes or manifest JSON), with at most one host
    /// function, without WASI.
    /// </summary>
    public static nint NewPlugin(ReadOnlySpan<byte> source, nint function = 0)
    {
        var create = (delegate* unmanaged<byte*, ulong, nint*, ulong, byte, byte**, nint>)Export("extism_plugin_new");
        byte* error = null;
        nint plugin;
        fixed (byte* bytes = source) plugin = create(bytes, (ulong)source.Length, function == 0 ? null : &function, function == 0 ? 0UL : 1UL, 0, &error);
        if (plugin == 0) throw new InvalidOperationException("extism_plugin_new failed for a raw benchmark case");
        return plugin;
    }

    /// <summary>A host function i64 → i64 named <paramref name="name"/>, calling <paramref name="body"/> directly.</summary>
    public static nint NewFunction(string name, delegate* unmanaged[Cdecl]<void*, ExtismVal*, ulong, ExtismVal*, ulong, void*, void> body)
    {
        var create = (delegate* unmanaged<byte*, ExtismValType*, ulong, ExtismValType*, ulong,
            delegate* unmanaged[Cdecl]<void*, ExtismVal*, ulong, ExtismVal*, ulong, void*, void>, void*, void*, nint>)Export("extism_function_new");
        ExtismValType i64 = ExtismValType.I64;
        fixed (byte* utf8 = Encoding.UTF8.GetBytes(name + "\0")) return create(utf8, &i64, 1, &i64, 1, body, null, null);
    }

    /// <summary>A NUL-terminated native copy of <paramref name="text"/>; free it with <see cref="NativeMemory.Free"/>.</summary>
    public static byte* NativeUtf8(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        byte* copy = (byte*)NativeMemory.AllocZeroed((nuint)utf8.Length + 1);
        utf8.CopyTo(new Span<byte>(copy, utf8.Length));
        return copy;
    }
}

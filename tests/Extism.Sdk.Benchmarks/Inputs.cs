using System.Buffers.Binary;
using Extism.Sdk;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// Plug-in locations and inputs, built exactly as native/bench.c builds them, so that the C and
/// .NET figures measure the same work.
/// </summary>
internal static class Inputs
{
    private const string Phrase = "The quick brown fox jumps over the lazy dog. ";

    /// <summary>Where the project copies tests/plugins/wasm (see the csproj).</summary>
    public static string PluginPath(string file) => Path.Combine(AppContext.BaseDirectory, "plugins", file);

    /// <summary>Path sources, so the runtime reads the file itself, as the C side's manifest does.</summary>
    public static Manifest ManifestFor(string file) => new(new PathWasmSource(PluginPath(file)));

    public static string Text(int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = Phrase[i % Phrase.Length];
        return new string(chars);
    }

    public static byte[] TextBytes(int length) => System.Text.Encoding.ASCII.GetBytes(Text(length));

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = unchecked((byte)(i * 31 + 7));
        return bytes;
    }

    public static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Extism.Installer.Tests.Support;

/// <summary>Builds small .tar.gz files in memory, including malicious ones.</summary>
internal sealed class Tarball
{
    private readonly List<PaxTarEntry> _entries = [];

    public static byte[] FakeLibrary { get; } = MakeFakeLibrary();

    public static byte[] FakeLicense { get; } = Encoding.UTF8.GetBytes("Fake libextism license for tests\n");

    /// <summary>The shape of a release tarball: the library and LICENSE at the root.</summary>
    public static Tarball Release(string libraryName = "libextism.so") =>
        new Tarball().File(libraryName, FakeLibrary).File("LICENSE", FakeLicense);

    public Tarball File(string name, byte[] content)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        return this;
    }

    public Tarball Directory(string name)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.Directory, name));
        return this;
    }

    public Tarball SymbolicLink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        return this;
    }

    public Tarball HardLink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });
        return this;
    }

    public byte[] ToGzipBytes()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] MakeFakeLibrary()
    {
        // Enough bytes to span several read buffers, small enough to keep the tests fast.
        var bytes = new byte[300_000];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }
}

using System.Formats.Tar;
using System.IO.Compression;

namespace Extism.Installer;

/// <summary>
/// Pulls named files out of a <c>.tar.gz</c> without trusting the archive. Every entry is
/// checked, including ones we skip: an archive carrying a path that escapes its root, an
/// absolute path or a link is refused whole, because it was not made by a release job.
/// Wanted files are written to paths the caller chose, never to a path taken from the archive.
/// </summary>
internal static class SafeTarExtractor
{
    // libextism is ~30 MB; anything near this is not a libextism build (or is a decompression bomb).
    private const long MaxEntryBytes = 1L << 30;

    /// <summary>Extracts the entries whose file name is a key of <paramref name="wanted"/>.</summary>
    /// <param name="archive">The gzip-compressed tar stream.</param>
    /// <param name="archiveName">The asset name, for messages.</param>
    /// <param name="wanted">Entry file name (last path segment) to destination path.</param>
    /// <returns>The file names that were found and written.</returns>
    /// <exception cref="InstallerException">The archive is corrupt or unsafe.</exception>
    public static IReadOnlySet<string> Extract(Stream archive, string archiveName, IReadOnlyDictionary<string, string> wanted)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new TarReader(gzip, leaveOpen: true);
        while (ReadNext(reader, archiveName) is { } entry)
        {
            var name = CheckPath(entry.Name, archiveName);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                case TarEntryType.GlobalExtendedAttributes:
                    continue;
                case TarEntryType.RegularFile:
                case TarEntryType.V7RegularFile:
                case TarEntryType.ContiguousFile:
                    break;
                case TarEntryType.SymbolicLink:
                case TarEntryType.HardLink:
                    throw Unsafe(archiveName, $"entry '{entry.Name}' is a link (to '{entry.LinkName}')");
                default:
                    throw Unsafe(archiveName, $"entry '{entry.Name}' has unsupported type {entry.EntryType}");
            }

            if (entry.Length > MaxEntryBytes)
            {
                throw Unsafe(archiveName, $"entry '{entry.Name}' claims {entry.Length} bytes");
            }

            var fileName = name[(name.LastIndexOf('/') + 1)..];
            if (!wanted.TryGetValue(fileName, out var destination))
            {
                continue;
            }

            if (!written.Add(fileName))
            {
                throw Corrupt(archiveName, $"it holds '{fileName}' more than once", null);
            }

            WriteEntry(entry, destination, archiveName);
        }

        return written;
    }

    /// <summary>
    /// Returns the entry path with '/' separators, or throws when it could land outside the
    /// extraction root on any OS (so backslashes and drive letters count too).
    /// </summary>
    internal static string CheckPath(string entryName, string archiveName)
    {
        var name = entryName.Replace('\\', '/');
        var isAbsolute = name.StartsWith('/')
            || (name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':')
            || Path.IsPathRooted(entryName);
        if (name.Length == 0 || name.Contains('\0') || isAbsolute)
        {
            throw Unsafe(archiveName, $"entry '{entryName}' has an absolute or empty path");
        }

        if (name.Split('/').Any(segment => segment == ".."))
        {
            throw Unsafe(archiveName, $"entry '{entryName}' points outside the archive root");
        }

        return name.TrimEnd('/');
    }

    private static TarEntry? ReadNext(TarReader reader, string archiveName)
    {
        try
        {
            return reader.GetNextEntry(copyData: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            throw Corrupt(archiveName, ex.Message, ex);
        }
    }

    private static void WriteEntry(TarEntry entry, string destination, string archiveName)
    {
        using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write);
        if (entry.DataStream is { } data)
        {
            var buffer = new byte[81920];
            while (true)
            {
                int read;
                try
                {
                    read = data.Read(buffer, 0, buffer.Length);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException)
                {
                    // Read errors here are the archive's fault; write errors below are the disk's.
                    throw Corrupt(archiveName, ex.Message, ex);
                }

                if (read == 0)
                {
                    break;
                }

                output.Write(buffer, 0, read);
            }
        }

        if (output.Length != entry.Length)
        {
            throw Corrupt(archiveName, $"entry '{entry.Name}' is shorter than its header says", null);
        }

        if (!OperatingSystem.IsWindows())
        {
            // Plain rw-r--r-- whatever the archive says: no set-uid or world-writable bits.
            File.SetUnixFileMode(destination,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    private static InstallerException Unsafe(string archiveName, string why) =>
        new(ExitCode.CorruptArchive,
            $"refusing {archiveName}: {why}",
            "this is not a genuine libextism release archive; check --source");

    private static InstallerException Corrupt(string archiveName, string why, Exception? inner) =>
        new(ExitCode.CorruptArchive,
            $"{archiveName} is not a readable .tar.gz: {why}",
            "delete the mirror's copy and fetch it again, or use another --source",
            inner);
}

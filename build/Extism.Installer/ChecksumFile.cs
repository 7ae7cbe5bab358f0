namespace Extism.Installer;

/// <summary>
/// Reads the SHA-256 published next to each tarball. Release jobs write it with
/// <c>shasum -a 256</c> ("hex  file", or "hex *file" in binary mode, or bare hex) on Unix and
/// with <c>certutil -hashfile</c> on Windows, whose output is a header line, the hash (older
/// Windows versions put a space between byte pairs) and a status line.
/// </summary>
internal static class ChecksumFile
{
    private const string CertUtilHeader = "SHA256 hash of ";
    private const string CertUtilPrefix = "CertUtil:";

    /// <summary>Returns the lower-case hex digest for <paramref name="expectedFileName"/>.</summary>
    /// <exception cref="InstallerException">The text is in no known format, or names another file.</exception>
    public static string Parse(string text, string expectedFileName)
    {
        var lines = text.Replace("\r", string.Empty, StringComparison.Ordinal)
            .TrimStart('\uFEFF')
            .Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .ToList();
        if (lines.Count == 0)
        {
            throw Bad(expectedFileName, "it is empty");
        }

        return lines[0].StartsWith(CertUtilHeader, StringComparison.OrdinalIgnoreCase)
            ? ParseCertUtil(lines, expectedFileName)
            : ParseShasum(lines, expectedFileName);
    }

    private static string ParseCertUtil(List<string> lines, string expectedFileName)
    {
        var header = lines[0];
        if (!header.EndsWith(':'))
        {
            throw Bad(expectedFileName, "its certutil header does not end with ':'");
        }

        var named = header[CertUtilHeader.Length..^1].Trim();
        CheckNamesFile(named, expectedFileName);
        if (lines.Count < 2)
        {
            throw Bad(expectedFileName, "its certutil output has no hash line");
        }

        var hex = lines[1].Replace(" ", string.Empty, StringComparison.Ordinal);
        if (!IsSha256Hex(hex))
        {
            throw Bad(expectedFileName, $"'{lines[1]}' is not a SHA-256 hash");
        }

        foreach (var rest in lines.Skip(2))
        {
            // Only certutil's own status line may follow; anything else means a different or
            // failed command wrote this file.
            if (!rest.StartsWith(CertUtilPrefix, StringComparison.OrdinalIgnoreCase)
                || !rest.Contains("success", StringComparison.OrdinalIgnoreCase))
            {
                throw Bad(expectedFileName, $"unexpected line '{rest}' after the certutil hash");
            }
        }

        return hex.ToLowerInvariant();
    }

    private static string ParseShasum(List<string> lines, string expectedFileName)
    {
        string? found = null;
        foreach (var line in lines)
        {
            var space = line.IndexOfAny([' ', '\t']);
            var hex = space < 0 ? line : line[..space];
            if (!IsSha256Hex(hex))
            {
                throw Bad(expectedFileName, $"'{Shorten(line)}' is not '<sha256>  <file>'");
            }

            if (space < 0)
            {
                if (lines.Count > 1)
                {
                    throw Bad(expectedFileName, "it holds several hashes without file names");
                }

                return hex.ToLowerInvariant();
            }

            // The name follows one separator and an optional '*' marking binary mode.
            var name = line[(space + 1)..].TrimStart(' ', '\t').TrimStart('*').Trim();
            if (SameFile(name, expectedFileName))
            {
                found ??= hex.ToLowerInvariant();
            }
            else if (lines.Count == 1)
            {
                CheckNamesFile(name, expectedFileName);
            }
        }

        return found ?? throw Bad(expectedFileName, "it has no line for that file");
    }

    private static void CheckNamesFile(string named, string expectedFileName)
    {
        if (!SameFile(named, expectedFileName))
        {
            throw Bad(expectedFileName, $"it is the checksum of '{named}'");
        }
    }

    // Release jobs hash from varying directories, so only the last path segment is compared.
    private static bool SameFile(string named, string expectedFileName)
    {
        var lastSeparator = named.LastIndexOfAny(['/', '\\']);
        var baseName = lastSeparator < 0 ? named : named[(lastSeparator + 1)..];
        return string.Equals(baseName, expectedFileName, StringComparison.Ordinal);
    }

    private static bool IsSha256Hex(string hex) =>
        hex.Length == 64 && hex.All(c => char.IsAsciiHexDigit(c));

    private static string Shorten(string line) =>
        line.Length <= 80 ? line : line[..77] + "...";

    private static InstallerException Bad(string fileName, string why) =>
        new(ExitCode.ChecksumMismatch,
            $"cannot read the published checksum for {fileName}: {why}",
            "the mirror or release is damaged; fix or replace its .checksum.txt, or use another --source");
}

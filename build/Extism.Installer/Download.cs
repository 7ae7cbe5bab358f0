using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Extism.Installer;

/// <summary>
/// Download progress on stderr. Silent for the first second so quick mirror copies print
/// nothing; after that, one rewritten line on a terminal, or a line every few seconds in logs.
/// </summary>
/// <param name="writer">Where to write; null when quiet.</param>
/// <param name="interactive">Whether the writer is a terminal that can redraw one line.</param>
/// <param name="label">What is being downloaded.</param>
/// <param name="total">Expected size in bytes, when known.</param>
/// <param name="elapsed">Time since the download started (a stopwatch unless a test supplies one).</param>
internal sealed class DownloadProgress(TextWriter? writer, bool interactive, string label, long? total, Func<TimeSpan>? elapsed = null)
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    private readonly Func<TimeSpan> _elapsed = elapsed ?? StartClock();
    private TimeSpan? _lastShown;

    public void Report(long bytes)
    {
        var now = _elapsed();
        var interval = interactive ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
        if (writer is null || now < QuietPeriod || now - _lastShown < interval)
        {
            return;
        }

        _lastShown = now;
        if (interactive)
        {
            writer.Write($"\r{Describe(bytes)}   ");
        }
        else
        {
            writer.WriteLine(Describe(bytes));
        }
    }

    public void Complete(long bytes)
    {
        if (writer is not null && _lastShown is not null)
        {
            writer.Write(interactive ? $"\r{Describe(bytes)}   {Environment.NewLine}" : Describe(bytes) + Environment.NewLine);
        }
    }

    private static Func<TimeSpan> StartClock()
    {
        var clock = Stopwatch.StartNew();
        return () => clock.Elapsed;
    }

    private string Describe(long bytes)
    {
        var done = string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0}");
        return total is > 0
            ? string.Create(CultureInfo.InvariantCulture, $"downloading {label}: {done} / {total.Value / 1048576.0:0.0} MB ({100 * bytes / total.Value}%)")
            : $"downloading {label}: {done} MB";
    }
}

/// <summary>Copies an asset to disk while hashing it, so the file is read only once.</summary>
internal static class Download
{
    /// <summary>Writes <paramref name="source"/> to <paramref name="destinationPath"/>; returns the lower-case SHA-256.</summary>
    public static async Task<string> ToFileAsync(
        AssetStream source, string destinationPath, DownloadProgress progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var output = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var buffer = new byte[128 * 1024];
        long total = 0;
        int read;
        while ((read = await source.Content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            total += read;
            progress.Report(total);
        }

        if (source.Length is { } expected && expected != total)
        {
            // HttpClient checks Content-Length itself; this covers sources that do not.
            throw new InstallerException(
                ExitCode.Network,
                $"the download of {source.Location} ended after {total} of {expected} bytes",
                "retry, or use a mirror with --source");
        }

        progress.Complete(total);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads a small text asset (a checksum file); refuses anything implausibly large.</summary>
    public static async Task<string> ToTextAsync(AssetStream source, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await source.Content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new InstallerException(
                    ExitCode.ChecksumMismatch,
                    $"{source.Location} is larger than {maxBytes} bytes, so it is not a checksum file",
                    "fix the mirror's .checksum.txt or use another --source");
            }

            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>SHA-256 of a file on disk, lower-case hex.</summary>
    public static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

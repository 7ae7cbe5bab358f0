using System.Security.Cryptography;
using System.Text;

namespace Extism.Installer;

/// <summary>
/// Serialises installs into the same output directory (several test projects building in
/// parallel each ask for the library). The lock file lives in the temp directory, keyed by the
/// output path, so a failed install leaves nothing behind in the output; the OS drops the lock
/// when its holder dies, so a killed install never blocks the next one.
/// </summary>
internal sealed class InstallLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly FileStream? _file;

    private InstallLock(FileStream? file) => _file = file;

    public static string PathFor(string outputDirectory, string lockDirectory)
    {
        var key = OperatingSystem.IsWindows() ? outputDirectory.ToUpperInvariant() : outputDirectory;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(lockDirectory, $"extism-install-{hash}.lock");
    }

    /// <summary>Waits until no other install holds the lock for <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">The install target the lock stands for.</param>
    /// <param name="lockDirectory">Where the lock file lives (the system temp directory, or a test's own).</param>
    /// <param name="onWait">Told once when another install is holding the lock.</param>
    /// <param name="maxWait">How long to wait before giving up.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public static async Task<InstallLock> AcquireAsync(
        string outputDirectory, string lockDirectory, Action<string> onWait, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var path = PathFor(outputDirectory, lockDirectory);
        var started = DateTime.UtcNow;
        var announced = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an OS-level exclusive lock (flock on Unix).
                return new InstallLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (UnauthorizedAccessException)
            {
                // An unwritable temp directory should not stop a single install.
                return new InstallLock(null);
            }
            catch (IOException) when (DateTime.UtcNow - started < maxWait)
            {
                if (!announced)
                {
                    onWait($"waiting for another libextism install into {outputDirectory} to finish");
                    announced = true;
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new InstallerException(
                    ExitCode.OutputNotWritable,
                    $"another install into {outputDirectory} held {path} for {maxWait.TotalMinutes:0} minutes",
                    "wait for it to finish, or stop it and run this command again",
                    ex);
            }
        }
    }

    public void Dispose() => _file?.Dispose();
}

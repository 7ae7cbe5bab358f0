namespace Extism.Installer;

/// <summary>
/// Process exit codes, one per failure category, so scripts and CI can tell a missing release
/// from a flaky network without parsing the message. Documented in build/README.md.
/// </summary>
internal enum ExitCode
{
    Success = 0,
    Unexpected = 1,
    Usage = 2,
    NoMatchingRelease = 3,
    NoAssetForRid = 4,
    Network = 5,
    NotFound = 6,
    ChecksumMismatch = 7,
    CorruptArchive = 8,
    LibraryMissing = 9,
    OutputNotWritable = 10,
    BadReleaseList = 11,
    Interrupted = 130,
}

/// <summary>
/// A failure the user can act on. <see cref="What"/> says what failed and <see cref="Remedy"/>
/// what to do; the CLI prints them as one line, which is what build logs show best.
/// </summary>
internal sealed class InstallerException : Exception
{
    public InstallerException(ExitCode code, string what, string remedy, Exception? inner = null)
        : base($"{what}; {remedy}", inner)
    {
        Code = code;
        What = what;
        Remedy = remedy;
    }

    public ExitCode Code { get; }

    public string What { get; }

    public string Remedy { get; }
}

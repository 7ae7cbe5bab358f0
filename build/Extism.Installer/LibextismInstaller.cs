namespace Extism.Installer;

/// <summary>What to install and where.</summary>
/// <param name="Version">Which release.</param>
/// <param name="AllowPrerelease">Let pre-releases match even when the spec names none.</param>
/// <param name="Targets">One or more RIDs, installed together or not at all.</param>
/// <param name="OutputDirectory">Absolute path; each RID lands in <c>&lt;output&gt;/&lt;rid&gt;/native/</c>.</param>
internal sealed record InstallRequest(
    VersionSpec Version, bool AllowPrerelease, IReadOnlyList<RuntimeTarget> Targets, string OutputDirectory);

/// <summary>
/// Resolves, downloads, verifies and installs libextism. Everything is built in a staging
/// folder inside the output directory (so the final step is a same-filesystem rename) and the
/// staging folder is always removed, so a failure leaves the output as it was.
/// </summary>
/// <param name="source">Where releases come from.</param>
/// <param name="info">Result lines (installed / already installed); null when quiet.</param>
/// <param name="progress">Warnings and download progress; null when quiet.</param>
/// <param name="interactive">Whether <paramref name="progress"/> is a terminal that can redraw a line.</param>
/// <param name="lockDirectory">Where the lock file serialising installs into one output lives.</param>
internal sealed class LibextismInstaller(
    IReleaseSource source, TextWriter? info, TextWriter? progress, bool interactive, string lockDirectory)
{
    private const string StagingPrefix = ".libextism-tmp-";
    private static readonly TimeSpan MaxLockWait = TimeSpan.FromMinutes(10);

    public async Task InstallAsync(InstallRequest request, CancellationToken cancellationToken)
    {
        var releases = await source.ListReleasesAsync(cancellationToken).ConfigureAwait(false);
        var release = VersionSelector.Select(releases, request.Version, request.AllowPrerelease, source.Name);
        if (!VersionSpec.Supported.Matches(release.Version))
        {
            progress?.WriteLine(
                $"install-libextism: warning: libextism {release.VersionText} is outside the range this SDK supports ({VersionSpec.DefaultText})");
        }

        // Every RID must be available before anything is touched.
        var plans = request.Targets.Select(t => PlanFor(releases, release, t, request)).ToList();
        var output = request.OutputDirectory;
        using var installLock = await InstallLock
            .AcquireAsync(output, lockDirectory, m => progress?.WriteLine(m), MaxLockWait, cancellationToken).ConfigureAwait(false);
        RemoveStaleStaging(output);

        var pending = new List<Plan>();
        foreach (var plan in plans)
        {
            // Checksums are tiny and tell whether an existing install is this exact tarball.
            plan.ExpectedSha256 = await ReadChecksumAsync(release, plan, cancellationToken).ConfigureAwait(false);
            if (IsInstalled(output, release, plan))
            {
                info?.WriteLine($"already installed: libextism {release.VersionText} for {plan.Target.Rid} at {LibraryPath(output, plan)}");
            }
            else
            {
                pending.Add(plan);
            }
        }

        if (pending.Count == 0)
        {
            return;
        }

        var createdRoot = FirstMissingDirectory(output);
        string? staging = null;
        var committed = false;
        try
        {
            staging = CreateStaging(output);
            foreach (var plan in pending)
            {
                await StageAsync(release, plan, staging, cancellationToken).ConfigureAwait(false);
            }

            Commit(output, staging, pending);
            committed = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(output, ex);
        }
        finally
        {
            if (staging is not null)
            {
                TryDeleteDirectory(staging);
            }

            if (!committed && createdRoot is not null)
            {
                RemoveIfHoldsNoFiles(createdRoot);
            }
        }

        foreach (var plan in pending)
        {
            info?.WriteLine($"installed: libextism {release.VersionText} for {plan.Target.Rid} at {LibraryPath(output, plan)}");
        }
    }

    private static Plan PlanFor(IReadOnlyList<Release> releases, Release release, RuntimeTarget target, InstallRequest request)
    {
        var archiveName = target.ArchiveAssetName(release.VersionText);
        var checksumName = target.ChecksumAssetName(release.VersionText);
        var archive = release.FindAsset(archiveName);
        var checksum = release.FindAsset(checksumName);
        if (archive is not null && checksum is not null)
        {
            return new Plan(target, archive, checksum);
        }

        var what = archive is null
            ? $"libextism {release.VersionText} has no build for {target.Rid} ({archiveName} is not among its assets)"
            : $"libextism {release.VersionText} publishes {archiveName} without {checksumName}, so it cannot be verified";
        var prereleaseOk = request.AllowPrerelease || request.Version.AsksForPrerelease;
        var others = releases
            .Where(r => (prereleaseOk || !r.IsPrerelease)
                && r.FindAsset(target.ArchiveAssetName(r.VersionText)) is not null
                && r.FindAsset(target.ChecksumAssetName(r.VersionText)) is not null)
            .OrderByDescending(r => r.Version)
            .Take(3)
            .Select(r => r.VersionText)
            .ToList();
        var remedy = others.Count > 0
            ? $"releases that have it: {string.Join(", ", others)}; pass one with --version, or choose another --rid"
            : $"no release in this source has it; choose another --rid or --source";
        throw new InstallerException(ExitCode.NoAssetForRid, what, remedy);
    }

    private async Task<string> ReadChecksumAsync(Release release, Plan plan, CancellationToken cancellationToken)
    {
        using var asset = await source.OpenAsync(release, plan.Checksum, cancellationToken).ConfigureAwait(false);
        var text = await Download.ToTextAsync(asset, 64 * 1024, cancellationToken).ConfigureAwait(false);
        return ChecksumFile.Parse(text, plan.Archive.Name);
    }

    private async Task StageAsync(Release release, Plan plan, string staging, CancellationToken cancellationToken)
    {
        var ridDirectory = Path.Combine(staging, plan.Target.Rid);
        var nativeDirectory = Directory.CreateDirectory(Path.Combine(ridDirectory, "native")).FullName;
        var archivePath = Path.Combine(Directory.CreateDirectory(Path.Combine(staging, "downloads")).FullName, plan.Archive.Name);

        string actual;
        using (var asset = await source.OpenAsync(release, plan.Archive, cancellationToken).ConfigureAwait(false))
        {
            var meter = new DownloadProgress(progress, interactive, plan.Archive.Name, asset.Length ?? plan.Archive.Size);
            actual = await Download.ToFileAsync(asset, archivePath, meter, cancellationToken).ConfigureAwait(false);
        }

        if (!string.Equals(actual, plan.ExpectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InstallerException(
                ExitCode.ChecksumMismatch,
                $"checksum mismatch for {plan.Archive.Name}: expected {plan.ExpectedSha256}, got {actual}",
                "the download is damaged or the source was altered; retry, or use another --source");
        }

        var libraryName = plan.Target.LibraryFileName;
        var libraryPath = Path.Combine(nativeDirectory, libraryName);
        var licensePath = Path.Combine(nativeDirectory, "LICENSE");
        IReadOnlySet<string> found;
        using (var archive = File.OpenRead(archivePath))
        {
            found = SafeTarExtractor.Extract(archive, plan.Archive.Name, new Dictionary<string, string>
            {
                [libraryName] = libraryPath,
                ["LICENSE"] = licensePath,
            });
        }

        if (!found.Contains(libraryName))
        {
            throw new InstallerException(
                ExitCode.LibraryMissing,
                $"{plan.Archive.Name} does not contain {libraryName}",
                $"this release is broken for {plan.Target.Rid}; choose another --version");
        }

        if (!found.Contains("LICENSE"))
        {
            if (await source.TryGetLicenseAsync(release, cancellationToken).ConfigureAwait(false) is { } license)
            {
                await File.WriteAllBytesAsync(licensePath, license, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                progress?.WriteLine($"install-libextism: warning: no LICENSE for libextism {release.VersionText} in {source.Name}");
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            // Match how release archives ship the library (rwxr-xr-x).
            File.SetUnixFileMode(libraryPath, File.GetUnixFileMode(libraryPath)
                | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        new InstallStamp(
            release.VersionText, plan.Target.Target, plan.Target.Rid, actual, $"native/{libraryName}",
            Download.HashFile(libraryPath), source.Name).Write(ridDirectory);
        File.Delete(archivePath);
    }

    /// <summary>
    /// Moves each staged RID folder into place. An existing install is first renamed aside into
    /// the staging folder (deleted with it afterwards); if any move fails, earlier ones are undone.
    /// </summary>
    private static void Commit(string output, string staging, List<Plan> plans)
    {
        var done = new List<(string Final, string Staged, string? Aside)>();
        try
        {
            foreach (var plan in plans)
            {
                var final = Path.Combine(output, plan.Target.Rid);
                var staged = Path.Combine(staging, plan.Target.Rid);
                string? aside = null;
                if (Directory.Exists(final))
                {
                    aside = Path.Combine(staging, "replaced-" + plan.Target.Rid);
                    Directory.Move(final, aside);
                }

                try
                {
                    Directory.Move(staged, final);
                }
                catch
                {
                    if (aside is not null)
                    {
                        Directory.Move(aside, final);
                    }

                    throw;
                }

                done.Add((final, staged, aside));
            }
        }
        catch
        {
            for (var i = done.Count - 1; i >= 0; i--)
            {
                var (final, staged, aside) = done[i];
                Directory.Move(final, staged);
                if (aside is not null)
                {
                    Directory.Move(aside, final);
                }
            }

            throw;
        }
    }

    private static bool IsInstalled(string output, Release release, Plan plan)
    {
        var ridDirectory = Path.Combine(output, plan.Target.Rid);
        var library = LibraryPath(output, plan);
        return InstallStamp.TryRead(ridDirectory) is { } stamp
            && stamp.Version == release.VersionText
            && stamp.Target == plan.Target.Target
            && string.Equals(stamp.Sha256, plan.ExpectedSha256, StringComparison.OrdinalIgnoreCase)
            && File.Exists(library)
            && string.Equals(Download.HashFile(library), stamp.LibrarySha256, StringComparison.OrdinalIgnoreCase);
    }

    private static string LibraryPath(string output, Plan plan) =>
        Path.Combine(output, plan.Target.Rid, "native", plan.Target.LibraryFileName);

    private static string CreateStaging(string output)
    {
        Directory.CreateDirectory(output);
        return Directory.CreateDirectory(Path.Combine(output, StagingPrefix + Guid.NewGuid().ToString("N")[..12])).FullName;
    }

    /// <summary>Staging folders left by an install that was killed; only called under the lock.</summary>
    private static void RemoveStaleStaging(string output)
    {
        if (!Directory.Exists(output))
        {
            return;
        }

        foreach (var stale in Directory.EnumerateDirectories(output, StagingPrefix + "*"))
        {
            TryDeleteDirectory(stale);
        }
    }

    private static string? FirstMissingDirectory(string path)
    {
        string? missing = null;
        for (var current = path; current is not null && !Directory.Exists(current) && !File.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing = current;
        }

        return missing;
    }

    private static void RemoveIfHoldsNoFiles(string directory)
    {
        if (Directory.Exists(directory) && !Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Any())
        {
            TryDeleteDirectory(directory);
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's stale-staging sweep.
        }
    }

    private static InstallerException NotWritable(string output, Exception ex) =>
        new(ExitCode.OutputNotWritable,
            $"cannot write the install into {output} ({ex.Message})",
            "check the folder's permissions and free space, or pass another --output",
            ex);

    private sealed class Plan(RuntimeTarget target, ReleaseAsset archive, ReleaseAsset checksum)
    {
        public RuntimeTarget Target { get; } = target;

        public ReleaseAsset Archive { get; } = archive;

        public ReleaseAsset Checksum { get; } = checksum;

        public string ExpectedSha256 { get; set; } = string.Empty;
    }
}

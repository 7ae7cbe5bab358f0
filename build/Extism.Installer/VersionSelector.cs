using NuGet.Versioning;

namespace Extism.Installer;

/// <summary>
/// A parsed <c>--version</c> value: an exact version, a NuGet range, a floating version or
/// <c>latest</c>. NuGet's own parser reads "1.41.0" as "1.41.0 or newer", so an exact version
/// is recognised first and kept apart from ranges.
/// </summary>
internal sealed class VersionSpec
{
    /// <summary>The range this SDK supports, used when no <c>--version</c> is given.</summary>
    public const string DefaultText = "[1.9.1, 2.0)";

    private VersionSpec(string text, NuGetVersion? exact, VersionRange? range)
    {
        Text = text;
        Exact = exact;
        Range = range;
    }

    /// <summary>The releases this SDK supports; anything else installs with a warning.</summary>
    public static VersionSpec Supported { get; } = Parse(DefaultText);

    public string Text { get; }

    /// <summary>Set for an exact version.</summary>
    public NuGetVersion? Exact { get; }

    /// <summary>Set for a range or floating version; both null means <c>latest</c>.</summary>
    public VersionRange? Range { get; }

    public bool IsLatest => Exact is null && Range is null;

    /// <summary>True when the spec itself names a pre-release, which opts in to pre-releases.</summary>
    public bool AsksForPrerelease =>
        Exact?.IsPrerelease == true
        || Range?.MinVersion?.IsPrerelease == true
        || Range?.MaxVersion?.IsPrerelease == true
        || Range?.Float?.IncludePrerelease == true;

    /// <summary>The version a failed lookup is measured from when listing the nearest releases.</summary>
    public NuGetVersion? Anchor => Exact ?? Range?.Float?.MinVersion ?? Range?.MinVersion ?? Range?.MaxVersion;

    public static VersionSpec Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return new VersionSpec("latest", null, null);
        }

        if (trimmed[0] is not ('[' or '(') && !trimmed.Contains('*'))
        {
            // Accept the tag spelling too ("v1.41.0"), since that is what release pages show.
            var bare = trimmed[0] is 'v' or 'V' ? trimmed[1..] : trimmed;
            if (NuGetVersion.TryParse(bare, out var exact))
            {
                return new VersionSpec(trimmed, exact, null);
            }
        }

        if (VersionRange.TryParse(trimmed, allowFloating: true, out var range))
        {
            return new VersionSpec(trimmed, null, range);
        }

        throw new InstallerException(
            ExitCode.Usage,
            $"--version '{text}' is not a version, NuGet range, floating version or 'latest'",
            "use e.g. 1.41.0, [1.12,1.41), 1.* or latest");
    }

    /// <summary>Whether <paramref name="version"/> satisfies this spec, ignoring pre-release policy.</summary>
    public bool Matches(NuGetVersion version)
    {
        if (Exact is not null)
        {
            return VersionComparer.Default.Equals(Exact, version);
        }

        if (Range is null)
        {
            return true;
        }

        if (Range.IsFloating)
        {
            // FloatRange refuses every pre-release for "1.*"; once the caller allows them, a
            // pre-release belongs to the family of the release it leads up to (1.5.0-rc.1 to 1.*).
            var member = version.IsPrerelease && !Range.Float.IncludePrerelease ? ReleaseOf(version) : version;
            return Range.Float.Satisfies(member) && WithinUpperBound(version);
        }

        return Range.Satisfies(version) && WithinUpperBound(version);
    }

    public override string ToString() => Text;

    private static NuGetVersion ReleaseOf(NuGetVersion version) => new(version.Major, version.Minor, version.Patch);

    /// <summary>
    /// "Below 2.0" means below 2.0 and its pre-releases: NuGet alone would let 2.0.0-beta
    /// through <c>[1.9.1, 2.0)</c>, which is exactly the major version the range keeps out.
    /// </summary>
    private bool WithinUpperBound(NuGetVersion version)
    {
        if (Range is not { HasUpperBound: true, MaxVersion: { } max })
        {
            return true;
        }

        var compared = version.IsPrerelease && !max.IsPrerelease ? ReleaseOf(version) : version;
        var order = VersionComparer.Default.Compare(compared, max);
        return Range.IsMaxInclusive ? order <= 0 : order < 0;
    }
}

/// <summary>Picks the release a <see cref="VersionSpec"/> asks for.</summary>
internal static class VersionSelector
{
    /// <summary>
    /// The newest release matching <paramref name="spec"/>. Pre-releases count only when the
    /// spec names one or <paramref name="allowPrerelease"/> is set.
    /// </summary>
    public static Release Select(IReadOnlyList<Release> releases, VersionSpec spec, bool allowPrerelease, string sourceName)
    {
        var prereleaseOk = allowPrerelease || spec.AsksForPrerelease;
        var eligible = releases.Where(r => prereleaseOk || !r.IsPrerelease).ToList();
        var best = eligible.Where(r => spec.Matches(r.Version)).MaxBy(r => r.Version);
        if (best is not null)
        {
            return best;
        }

        if (releases.Count == 0)
        {
            throw new InstallerException(
                ExitCode.NoMatchingRelease,
                $"{sourceName} lists no libextism releases",
                "check --source (or EXTISM_RUNTIME_SOURCE) points at the release list or a mirror");
        }

        var nearest = Nearest(eligible.Count > 0 ? eligible : releases, spec.Anchor, 3);
        var hint = prereleaseOk || !releases.Any(r => r.IsPrerelease && spec.Matches(r.Version))
            ? string.Empty
            : " (a pre-release matches; add --prerelease to allow it)";
        throw new InstallerException(
            ExitCode.NoMatchingRelease,
            $"no libextism release in {sourceName} matches '{spec}'{hint}; nearest available: "
                + string.Join(", ", nearest.Select(r => r.VersionText)),
            "pass --version with one of those, or a range that includes one");
    }

    /// <summary>
    /// Up to <paramref name="count"/> releases closest to <paramref name="anchor"/> in version
    /// order (not by numeric distance, which would call 1.9 nearer to 3.0 than 1.41 is),
    /// newest first. Without an anchor the newest releases are the nearest.
    /// </summary>
    public static IReadOnlyList<Release> Nearest(IReadOnlyList<Release> releases, NuGetVersion? anchor, int count)
    {
        var sorted = releases.OrderBy(r => r.Version).ToList();
        if (anchor is null)
        {
            return sorted.TakeLast(count).Reverse().ToList();
        }

        // Walk outwards from where the anchor would sit, alternating below and above it.
        var above = sorted.FindIndex(r => r.Version >= anchor);
        if (above < 0)
        {
            above = sorted.Count;
        }

        var below = above - 1;
        var picked = new List<Release>();
        while (picked.Count < count && (below >= 0 || above < sorted.Count))
        {
            if (above < sorted.Count)
            {
                picked.Add(sorted[above++]);
            }

            if (picked.Count < count && below >= 0)
            {
                picked.Add(sorted[below--]);
            }
        }

        return picked.OrderByDescending(r => r.Version).ToList();
    }
}

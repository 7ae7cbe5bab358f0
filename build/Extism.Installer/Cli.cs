using System.CommandLine;
using System.Globalization;

namespace Extism.Installer;

/// <summary>The parsed command line.</summary>
internal sealed record CliOptions
{
    public string? Version { get; init; }

    public bool Prerelease { get; init; }

    public List<string> Rids { get; init; } = [];

    public bool AllRids { get; init; }

    public string? Source { get; init; }

    public string? Output { get; init; }

    public double TimeoutSeconds { get; init; } = 100;

    public bool Quiet { get; init; }

    public bool Help { get; init; }
}

/// <summary>What the CLI needs from its process, injectable so tests run it in-process.</summary>
/// <param name="Out">Where results go.</param>
/// <param name="Error">Where errors, warnings and progress go.</param>
/// <param name="ErrorIsTerminal">Whether progress may redraw one line.</param>
/// <param name="WorkingDirectory">What relative paths are relative to.</param>
/// <param name="GetEnvironmentVariable">Environment lookup.</param>
/// <param name="RepositoryRoot">The repository holding this tool, for the default output; null if unknown.</param>
/// <param name="LockDirectory">Where install lock files go; null for the system temp directory.</param>
internal sealed record CliContext(
    TextWriter Out,
    TextWriter Error,
    bool ErrorIsTerminal,
    string WorkingDirectory,
    Func<string, string?> GetEnvironmentVariable,
    string? RepositoryRoot,
    string? LockDirectory = null);

/// <summary>Command-line front end: parses arguments, runs the installer, maps failures to exit codes.</summary>
internal static class Cli
{
    public const string ToolName = "install-libextism";

    public static string HelpText => $"""
        Usage: build/install-libextism.sh [options]
          (on Windows: dotnet run --project build/Extism.Installer -- [options])

        Downloads libextism, verifies its SHA-256 and installs it as
        <output>/<rid>/native/<library> with its LICENSE.

        Options:
          --version SPEC   1.41.0, a NuGet range like [1.12,1.41), a floating version like 1.*,
                           or latest. Default: {VersionSpec.DefaultText}, newest match.
          --prerelease     Let pre-releases match (they do anyway when SPEC names one).
          --rid RID        Runtime identifier(s), comma-separated or repeated. Default: this machine.
                           Supported: {RuntimeTargets.SupportedList}.
          --all-rids       Every supported RID (all or nothing).
          --source SRC     Mirror directory or http(s) URL holding releases.json, or "github".
                           Default: ${ReleaseSources.EnvironmentVariable}, else GitHub.
          --output DIR     Default: native/runtimes in this repository.
          --timeout SECS   Network timeout: for a response, and for each stretch without data. Default: 100.
          --quiet          Print errors only.
          --help           Show this text.
        """;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        CliOptions? options = null;
        try
        {
            options = Parse(args);
            if (options.Help)
            {
                await context.Out.WriteLineAsync(HelpText).ConfigureAwait(false);
                return (int)ExitCode.Success;
            }

            var request = BuildRequest(options, context);
            var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
            var sourceText = options.Source ?? context.GetEnvironmentVariable(ReleaseSources.EnvironmentVariable);
            using var source = ReleaseSources.Create(
                sourceText, context.WorkingDirectory, timeout, context.GetEnvironmentVariable("GITHUB_TOKEN"));
            var installer = new LibextismInstaller(
                source,
                options.Quiet ? null : context.Out,
                options.Quiet ? null : context.Error,
                context.ErrorIsTerminal,
                context.LockDirectory ?? Path.GetTempPath());
            await installer.InstallAsync(request, cancellationToken).ConfigureAwait(false);
            return (int)ExitCode.Success;
        }
        catch (InstallerException ex)
        {
            await WriteErrorAsync(context, ex.What, ex.Remedy).ConfigureAwait(false);
            return (int)ex.Code;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await WriteErrorAsync(context, "interrupted", "run the command again (nothing was left half-installed)").ConfigureAwait(false);
            return (int)ExitCode.Interrupted;
        }
        catch (Exception ex)
        {
            await WriteErrorAsync(context, $"unexpected {ex.GetType().Name}: {ex.Message}", "please report this with the command you ran")
                .ConfigureAwait(false);
            return (int)ExitCode.Unexpected;
        }
    }

    /// <summary>
    /// Parses with System.CommandLine: <c>--name value</c>, <c>--name=value</c> and
    /// <c>--name:value</c>; <c>--rid</c> repeats and takes comma-separated lists; flags take no
    /// value. Response files (<c>@file</c>) and bundled short flags are off, so every token means
    /// what it says. Any parse error is a usage error naming what was wrong.
    /// </summary>
    public static CliOptions Parse(IReadOnlyList<string> args)
    {
        var result = Syntax.Command.Parse(args, Syntax.Configuration);
        if (result.Errors.Count > 0)
        {
            // Its messages ("Unrecognized command or argument 'x'.") in the style of ours.
            var message = result.Errors[0].Message.TrimEnd('.');
            throw Usage(char.ToLowerInvariant(message[0]) + message[1..]);
        }

        var options = new CliOptions
        {
            Version = result.GetValue(Syntax.Version),
            Prerelease = result.GetValue(Syntax.Prerelease),
            Rids = (result.GetValue(Syntax.Rid) ?? [])
                .SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToList(),
            AllRids = result.GetValue(Syntax.AllRids),
            Source = result.GetValue(Syntax.Source),
            Output = result.GetValue(Syntax.Output),
            Quiet = result.GetValue(Syntax.Quiet),
            Help = result.GetValue(Syntax.Help),
        };
        if (result.GetValue(Syntax.Timeout) is { } timeout)
        {
            options = options with { TimeoutSeconds = ParseTimeout(timeout) };
        }

        if (options.AllRids && options.Rids.Count > 0)
        {
            throw Usage("--rid and --all-rids cannot be combined");
        }

        return options;
    }

    private static InstallRequest BuildRequest(CliOptions options, CliContext context)
    {
        var version = VersionSpec.Parse(options.Version ?? VersionSpec.DefaultText);
        IReadOnlyList<RuntimeTarget> targets;
        if (options.AllRids)
        {
            targets = RuntimeTargets.All;
        }
        else
        {
            var rids = options.Rids.Count > 0 ? options.Rids : [RuntimeTargets.CurrentRid()];
            targets = rids
                .Select(rid => RuntimeTargets.Find(rid)
                    ?? throw Usage($"no libextism build exists for RID '{rid}' (supported: {RuntimeTargets.SupportedList})"))
                .Distinct()
                .ToList();
        }

        string output;
        if (options.Output is not null)
        {
            output = Path.GetFullPath(options.Output, context.WorkingDirectory);
        }
        else if (context.RepositoryRoot is not null)
        {
            output = Path.Combine(context.RepositoryRoot, "native", "runtimes");
        }
        else
        {
            throw Usage("cannot tell where the repository is, so there is no default output folder");
        }

        return new InstallRequest(version, options.Prerelease, targets, Path.TrimEndingDirectorySeparator(output));
    }

    private static double ParseTimeout(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 86400
            ? seconds
            : throw Usage($"--timeout '{text}' is not a number of seconds between 0 and 86400");

    private static InstallerException Usage(string what) =>
        new(ExitCode.Usage, what, "see --help");

    private static Task WriteErrorAsync(CliContext context, string what, string remedy)
    {
        // One line, always: build logs and CI summaries show the first line of stderr.
        var line = $"{ToolName}: error: {what}; {remedy}".ReplaceLineEndings(" ");
        return context.Error.WriteLineAsync(line);
    }
}

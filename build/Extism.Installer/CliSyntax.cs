using System.CommandLine;

namespace Extism.Installer;

/// <summary>
/// The installer's options as System.CommandLine symbols. The help text is <see cref="Cli.HelpText"/>,
/// written by hand (usage through the script, defaults, the supported RIDs), not generated from these.
/// </summary>
internal static class Syntax
{
    public static readonly Option<string> Version = new("--version");

    public static readonly Option<bool> Prerelease = Flag("--prerelease");

    // One value per occurrence (a comma-separated list is split later), repeatable.
    public static readonly Option<string[]> Rid = new("--rid") { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };

    public static readonly Option<bool> AllRids = Flag("--all-rids");

    public static readonly Option<string> Source = new("--source");

    public static readonly Option<string> Output = new("--output");

    // Read as text and checked by Cli, so a bad value gets the installer's own message.
    public static readonly Option<string> Timeout = new("--timeout");

    public static readonly Option<bool> Quiet = Flag("--quiet", "-q");

    public static readonly Option<bool> Help = Flag("--help", "-h", "-?");

    /// <summary>A plain command: no built-in help, version option or directives to shadow ours.</summary>
    public static readonly Command Command = new(Cli.ToolName)
    {
        Version, Prerelease, Rid, AllRids, Source, Output, Timeout, Quiet, Help,
    };

    /// <summary>No response files (an argument starting with @ is a value) and no bundling of short flags.</summary>
    public static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null, EnablePosixBundling = false };

    // Arity zero: "--quiet=yes" or "--quiet true" is an error, not a way to set it.
    private static Option<bool> Flag(string name, params string[] aliases) => new(name, aliases) { Arity = ArgumentArity.Zero };
}

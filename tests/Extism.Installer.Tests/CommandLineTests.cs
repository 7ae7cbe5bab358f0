using Extism.Installer.Tests.Support;

namespace Extism.Installer.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Options_take_separate_or_inline_values()
    {
        var options = Cli.Parse(["--version", "1.*", "--rid=linux-x64,osx-arm64", "--rid", "win-x64", "--source=/m", "--output", "o", "--timeout", "2.5", "--quiet", "--prerelease"]);
        Assert.Equal("1.*", options.Version);
        Assert.Equal(["linux-x64", "osx-arm64", "win-x64"], options.Rids);
        Assert.Equal("/m", options.Source);
        Assert.Equal("o", options.Output);
        Assert.Equal(2.5, options.TimeoutSeconds);
        Assert.True(options.Quiet);
        Assert.True(options.Prerelease);
    }

    [Fact]
    public void Values_are_taken_literally_and_colon_values_work()
    {
        // No response-file expansion of "@...", and "--name:value" as System.CommandLine allows.
        var options = Cli.Parse(["--output", "@out", "--version:1.41.0", "-q"]);
        Assert.Equal("@out", options.Output);
        Assert.Equal("1.41.0", options.Version);
        Assert.True(options.Quiet);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-qh")]
    [InlineData("--rid", "linux-x64", "osx-arm64")]
    [InlineData("--version")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "soon")]
    [InlineData("--quiet=yes")]
    [InlineData("--rid", "linux-x64", "--all-rids")]
    public void Bad_arguments_are_usage_errors(params string[] args)
    {
        var ex = Assert.Throws<InstallerException>(() => Cli.Parse(args));
        Assert.Equal(ExitCode.Usage, ex.Code);
    }

    [Fact]
    public async Task An_unsupported_rid_fails_naming_the_supported_ones()
    {
        var run = (await InstallerRun.RunAsync(["--rid", "win-arm64", "--output", "unused"])).AssertFailed(ExitCode.Usage);
        Assert.Contains("win-arm64", run.Error, StringComparison.Ordinal);
        Assert.Contains("linux-musl-arm64", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_prints_usage_and_succeeds()
    {
        var run = (await InstallerRun.RunAsync(["--help"])).AssertSucceeded();
        Assert.Contains("--version SPEC", run.Out, StringComparison.Ordinal);
        Assert.Contains("EXTISM_RUNTIME_SOURCE", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_is_found_from_the_binary_location()
    {
        var root = RepositoryLocator.Find(AppContext.BaseDirectory);
        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "build", "install-libextism.sh")));
    }
}

namespace Extism.Installer.Tests.Support;

/// <summary>The outcome of one in-process run of the installer's command line.</summary>
internal sealed record InstallerRun(int ExitCode, string Out, string Error)
{
    // The installer leaves lock files in place by design (see InstallLock); keep this run's
    // apart from the machine's and remove them when the test process ends.
    private static readonly string LockDirectory = CreateLockDirectory();

    public static async Task<InstallerRun> RunAsync(
        IReadOnlyList<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(
            output,
            error,
            ErrorIsTerminal: false,
            workingDirectory ?? Path.GetTempPath(),
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            RepositoryRoot: null,
            LockDirectory: LockDirectory);
        var code = await Cli.RunAsync([.. args], context, CancellationToken.None);
        return new InstallerRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts the run failed with <paramref name="expected"/> and said so in exactly one line.</summary>
    public InstallerRun AssertFailed(ExitCode expected)
    {
        Assert.True((int)expected == ExitCode, $"expected exit code {(int)expected} ({expected}), got {ExitCode}; stderr: {Error}");
        var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("install-libextism: error: ", line, StringComparison.Ordinal);
        Assert.Contains("; ", line, StringComparison.Ordinal);
        return this;
    }

    public InstallerRun AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}; stderr: {Error}");
        return this;
    }

    private static string CreateLockDirectory()
    {
        var directory = Directory.CreateDirectory(
            Path.Combine(Path.GetTempPath(), "extism-installer-tests", "locks-" + Guid.NewGuid().ToString("N"))).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    }
}

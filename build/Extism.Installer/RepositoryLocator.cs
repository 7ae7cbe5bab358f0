namespace Extism.Installer;

/// <summary>
/// Finds the repository this tool was built from, for the default output folder. The tool runs
/// from its bin folder (the script) or via <c>dotnet run</c> from any directory, so the answer
/// comes from walking up from the binary, not from the working directory.
/// </summary>
internal static class RepositoryLocator
{
    public static string? Find(string startDirectory)
    {
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "build", "Extism.Installer", "Extism.Installer.csproj")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}

using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.Loading;

public class LoaderTests
{
    // Public: xunit reads it for SkipUnless. A declared skip throws nothing, which matters under
    // Wine 8, where the exception an Assert.Skip throws overflowed the stack and killed the CLR.
    public static bool HasMirrorForThisMachine => ChildProcess.Mirror is not null && Platform.RuntimeIdentifier == "linux-x64";

    [Fact]
    public void LoadsTheLibraryBesideTheAppByDefault()
    {
        var result = ChildProcess.Run("version");
        Assert.Matches(@"^\d+\.\d+\.\d+", result["version"][0]);
        Assert.EndsWith(Path.Combine("runtimes", Platform.RuntimeIdentifier, "native", Platform.LibraryFileName), result["path"][0]);
    }

    [Fact]
    public void EnvironmentVariableMayNameAFileOrADirectory()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "runtimes", Platform.RuntimeIdentifier, "native");
        var byDirectory = ChildProcess.Run("version", new Dictionary<string, string?> { ["EXTISM_LIB_PATH"] = beside });
        Assert.Equal(Path.Combine(beside, Platform.LibraryFileName), byDirectory["path"][0]);
        var byFile = ChildProcess.Run("version", new Dictionary<string, string?> { ["EXTISM_LIB_PATH"] = Path.Combine(beside, Platform.LibraryFileName) });
        Assert.Equal(Path.Combine(beside, Platform.LibraryFileName), byFile["path"][0]);
    }

    [Fact]
    public void BogusPathGivesAnActionableMessage()
    {
        var result = ChildProcess.Run("version", new Dictionary<string, string?> { ["EXTISM_LIB_PATH"] = "/no/such/libextism.so" });
        string error = result["exception"][0];
        Assert.StartsWith("ExtismLibraryNotFoundException", error);
        Assert.Contains(Platform.RuntimeIdentifier, error);
        Assert.Contains("/no/such/libextism.so", error);
        Assert.Contains("build/install-libextism.sh --rid", error);
        Assert.Contains("Extism.Runtime.", error);
    }

    [Fact]
    public void SettingThePathAfterLoadingIsRefused()
    {
        var result = ChildProcess.Run("set-path-after-load");
        Assert.StartsWith("InvalidOperationException", result["exception"][0]);
        Assert.Contains("already loaded", result["exception"][0]);
    }

    [Theory(Skip = "needs ../shared/libextism beside the clone, and runs on linux-x64 only: the mirror holds old releases for linux-x64 only", SkipUnless = nameof(HasMirrorForThisMachine))]
    [InlineData("1.12.0")]
    [InlineData("1.9.1")]
    public void OlderSupportedReleasesWorkExceptCompiledFuel(string version)
    {
        string dir = ChildProcess.ExtractFromMirror(version);
        var result = ChildProcess.Run("features", new Dictionary<string, string?> { ["EXTISM_LIB_PATH"] = dir });
        Assert.Equal(version, result["version"][0]);
        Assert.Equal("hi", result["echo"][0]);
        Assert.Equal("ok", result["compiled"][0]);
        Assert.StartsWith("NotSupportedException", result["compiled-fuel"][0]);
        Assert.Contains("1.13.0", result["compiled-fuel"][0]);
    }

    [Fact]
    public void CurrentReleaseHasCompiledFuel()
    {
        var result = ChildProcess.Run("features");
        Assert.Equal("ok", result["compiled-fuel"][0]);
    }

    [Theory]
    [InlineData("1.41.0", false, 1, 41, 0)]
    [InlineData("0.0.0-dev", true, 0, 0, 0)]
    [InlineData("0.0.0+replaced-by-ci", true, 0, 0, 0)]
    [InlineData("1.9.1-rc.1", false, 1, 9, 1)]
    public void VersionStringsParse(string text, bool development, int major, int minor, int patch)
    {
        Version? v = LibraryLoader.ParseVersion(text, out bool dev);
        Assert.Equal(development, dev);
        Assert.Equal(new Version(major, minor, patch), v);
        Assert.True(new Version(1, 9, 0) < LibraryLoader.MinimumVersion);
    }
}

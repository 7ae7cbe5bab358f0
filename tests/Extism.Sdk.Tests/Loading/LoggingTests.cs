using Xunit;

namespace Extism.Sdk.Tests.Loading;

/// <summary>libextism allows one log configuration per process, so each test runs in a child process.</summary>
public class LoggingTests
{
    [Fact]
    public void CustomLoggingDrainsGuestLinesOnceConfigured()
    {
        var result = ChildProcess.Run("log-custom");
        List<string> lines = result["line"];
        Assert.Equal(3, lines.Count); // info, warn, error: trace and debug are filtered
        Assert.Contains("info message", lines[0]);
        Assert.Contains("warn message", lines[1]);
        Assert.Contains("error message", lines[2]);
        Assert.All(lines, l => Assert.Contains($"plugin=\"{result["id"][0]}\"", l)); // Id matches the runtime's uuid
        Assert.All(lines, l => Assert.False(l.EndsWith('\n')));
        Assert.StartsWith("InvalidOperationException", result["second"][0]);
        Assert.Contains("already configured", result["second"][0]);
        Assert.Equal("InvalidOperationException", result["third"][0]);
        Assert.Equal(3, result["again"].Count); // draining still works after the refused attempts
    }

    [Fact]
    public void FileLoggingWritesTheFileAndRefusesAnUnopenablePath()
    {
        string file = Path.Combine(Path.GetTempPath(), $"extism-log-{Guid.NewGuid():N}.log");
        try
        {
            var result = ChildProcess.Run("log-file", null, file);
            Assert.Equal("ArgumentException", result["bad-path"][0]);
            string text = File.ReadAllText(file);
            Assert.Contains("warn message", text);
            Assert.Contains("error message", text);
            Assert.DoesNotContain("info message", text);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

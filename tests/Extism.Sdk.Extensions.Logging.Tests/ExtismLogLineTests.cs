using Microsoft.Extensions.Logging;
using Xunit;

namespace Extism.Sdk.Extensions.Logging.Tests;

// Extism.Sdk has a LogLevel of its own, which would win inside this namespace.
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

public class ExtismLogLineTests
{
    private const string Id = "6f1d3c2a-0b7e-4a57-9a43-2f0c5b1e8d90";

    [Theory]
    [InlineData("TRACE", LogLevel.Trace)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData(" INFO", LogLevel.Information)]
    [InlineData(" WARN", LogLevel.Warning)]
    [InlineData("ERROR", LogLevel.Error)]
    public void Level_field_is_mapped(string level, LogLevel expected)
    {
        ExtismLogLine line = ExtismLogLine.Parse($"2026-11-21T23:59:59.123Z {level} extism::pdk: hello plugin=\"{Id}\"");

        Assert.Equal(expected, line.Level);
        Assert.Equal("extism::pdk", line.Target);
        Assert.Equal("hello", line.Message);
        Assert.Equal(Guid.Parse(Id), line.PluginId);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 23, 59, 59, 123, TimeSpan.Zero), line.Timestamp);
    }

    [Fact]
    public void Message_keeps_colons_and_quotes_of_its_own()
    {
        ExtismLogLine line = ExtismLogLine.Parse($"2026-11-21T23:59:59Z  WARN extism::pdk: key: \"a\" plugin=\"{Id}\"");

        Assert.Equal("key: \"a\"", line.Message);
        Assert.Equal(Guid.Parse(Id), line.PluginId);
    }

    [Fact]
    public void Line_without_plugin_field_keeps_whole_message()
    {
        ExtismLogLine line = ExtismLogLine.Parse("2026-11-21T23:59:59Z DEBUG extism::plugin: creating plugin");

        Assert.Equal(LogLevel.Debug, line.Level);
        Assert.Equal("extism::plugin", line.Target);
        Assert.Equal("creating plugin", line.Message);
        Assert.Null(line.PluginId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a log line")]
    [InlineData("2026-11-21T23:59:59Z LOUD extism::pdk: x")]
    [InlineData("2026-11-21T23:59:59Z INFO no-target-separator")]
    public void Unrecognised_line_is_kept_whole_at_information(string raw)
    {
        ExtismLogLine line = ExtismLogLine.Parse(raw);

        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(raw, line.Message);
        Assert.Equal(raw, line.Raw);
    }
}

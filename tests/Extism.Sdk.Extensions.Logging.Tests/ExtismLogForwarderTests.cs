using Microsoft.Extensions.Logging;
using Xunit;

namespace Extism.Sdk.Extensions.Logging.Tests;

using LogLevel = Microsoft.Extensions.Logging.LogLevel;

// Every test here starts and disposes its own forwarder, and only one may be active in a
// process, so the tests of this class run one after another (xunit's rule within a class).
// All use MinimumLevel Trace: the first start fixes libextism's level for the process.
public class ExtismLogForwarderTests
{
    private static readonly string LoggingWasm = Path.Combine(AppContext.BaseDirectory, "plugins", "logging.wasm");

    private static readonly (LogLevel Level, string Message)[] LogAll =
    [
        (LogLevel.Trace, "trace message"),
        (LogLevel.Debug, "debug message"),
        (LogLevel.Information, "info message"),
        (LogLevel.Warning, "warn message"),
        (LogLevel.Error, "error message"),
    ];

    private static Plugin NewLoggingPlugin() => new(new Manifest(new PathWasmSource(LoggingWasm)), [], withWasi: false);

    private static CapturingLoggerProvider.Entry[] PdkLines(CapturingLoggerProvider provider, Plugin plugin) =>
        provider.Entries
            .Where(e => Equals(e.Fields.GetValueOrDefault("PluginId"), plugin.Id) && Equals(e.Fields.GetValueOrDefault("Target"), "extism::pdk"))
            .ToArray();

    [Fact]
    public void Plugin_log_calls_reach_the_logger_with_mapped_levels_after_FlushLogs()
    {
        var provider = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        using ExtismLogForwarder forwarder = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.Zero });
        using Plugin plugin = NewLoggingPlugin();

        plugin.Call("log_all", ReadOnlySpan<byte>.Empty);
        plugin.FlushLogs();

        CapturingLoggerProvider.Entry[] lines = PdkLines(provider, plugin);
        Assert.Equal(LogAll, lines.Select(e => (e.Level, e.Message)).ToArray());
        Assert.All(lines, e => Assert.Equal("Extism", e.Category));
        Assert.All(lines, e => Assert.Equal("{Message}", e.Fields["{OriginalFormat}"]));
    }

    [Fact]
    public void Timer_forwards_lines_without_an_explicit_flush()
    {
        var provider = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        using ExtismLogForwarder forwarder = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.FromMilliseconds(50) });
        using Plugin plugin = NewLoggingPlugin();

        plugin.Call("log_all", ReadOnlySpan<byte>.Empty);

        // Waits for the timer, with a generous bound for a loaded machine; not a speed assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (PdkLines(provider, plugin).Length < LogAll.Length && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal(LogAll, PdkLines(provider, plugin).Select(e => (e.Level, e.Message)).ToArray());
    }

    [Fact]
    public void CategoryFromTarget_uses_the_line_target_as_category()
    {
        var provider = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        using ExtismLogForwarder forwarder = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.Zero, CategoryFromTarget = true });
        using Plugin plugin = NewLoggingPlugin();

        plugin.Call("log_all", ReadOnlySpan<byte>.Empty);
        forwarder.Drain();

        CapturingLoggerProvider.Entry[] lines = PdkLines(provider, plugin);
        Assert.Equal(LogAll.Length, lines.Length);
        Assert.All(lines, e => Assert.Equal("extism::pdk", e.Category));
    }

    [Fact]
    public void Logger_filters_apply_to_forwarded_lines()
    {
        var provider = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Warning));
        using ExtismLogForwarder forwarder = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.Zero });
        using Plugin plugin = NewLoggingPlugin();

        plugin.Call("log_all", ReadOnlySpan<byte>.Empty);
        plugin.FlushLogs();

        Assert.Equal([LogLevel.Warning, LogLevel.Error], PdkLines(provider, plugin).Select(e => e.Level).ToArray());
    }

    [Fact]
    public void Only_one_forwarder_is_active_and_disposing_frees_the_slot()
    {
        using ILoggerFactory factory = LoggerFactory.Create(_ => { });
        ExtismLogForwarder first = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.Zero });
        try
        {
            Assert.Same(first, ExtismLogForwarder.Current);
            Assert.Throws<InvalidOperationException>(() => factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace }));
        }
        finally
        {
            first.Dispose();
        }
        Assert.Null(ExtismLogForwarder.Current);
        Assert.Throws<ObjectDisposedException>(first.Drain);

        using ExtismLogForwarder second = factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.Trace, DrainInterval = TimeSpan.Zero });
        Assert.Same(second, ExtismLogForwarder.Current);
    }

    [Fact]
    public void MinimumLevel_None_is_refused()
    {
        using ILoggerFactory factory = LoggerFactory.Create(_ => { });
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.AddExtismLogForwarding(new() { MinimumLevel = LogLevel.None }));
    }
}

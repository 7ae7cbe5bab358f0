using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Logging.Tests;

using LogLevel = Microsoft.Extensions.Logging.LogLevel;

/// <summary>Records every log call with its category, level, message and structured fields.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<Entry> _entries = [];

    public sealed record Entry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Fields);

    public IReadOnlyList<Entry> Entries
    {
        get { lock (_entries) return _entries.ToArray(); }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : new Dictionary<string, object?>();
            lock (owner._entries) owner._entries.Add(new Entry(category, logLevel, formatter(state, exception), fields));
        }
    }
}

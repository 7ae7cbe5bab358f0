using System.Collections;

namespace Extism.Sdk.Extensions.Logging;

/// <summary>
/// The structured state of a forwarded line: loggers that understand structure (JSON consoles,
/// OpenTelemetry) get the target and plug-in id as fields; the rest get the message text.
/// </summary>
internal sealed class ExtismLogState : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string Format = "{Message}";
    private readonly ExtismLogLine _line;

    public ExtismLogState(ExtismLogLine line) => _line = line;

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Message", _line.Message),
        1 => new("Target", _line.Target),
        2 => new("PluginId", _line.PluginId),
        3 => new("ExtismTimestamp", _line.Timestamp),
        4 => new("{OriginalFormat}", Format),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => _line.Message;
}

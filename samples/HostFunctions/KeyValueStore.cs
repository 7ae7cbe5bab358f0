using System.Collections.Concurrent;

namespace HostFunctionsSample;

/// <summary>
/// The host's state that the plug-in reaches through host functions. It is the host functions'
/// user data: one store shared by every plug-in instance those functions are registered with.
/// </summary>
public sealed class KeyValueStore
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>How many writes the plug-in made.</summary>
    public int Writes => _writes;
    private int _writes;

    /// <summary>The value stored under <paramref name="key"/>, or null.</summary>
    public string? Read(string key) => _values.TryGetValue(key, out string? value) ? value : null;

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>.</summary>
    public void Write(string key, string value)
    {
        _values[key] = value;
        Interlocked.Increment(ref _writes);
    }

    /// <summary>Everything stored, sorted by key.</summary>
    public IEnumerable<KeyValuePair<string, string>> Snapshot() => _values.OrderBy(kv => kv.Key, StringComparer.Ordinal);
}

/// <summary>
/// Per-call information the host passes with <c>CallWithHostContext</c>: who the call is for.
/// Host functions read it to keep tenants apart without the plug-in knowing about tenants.
/// </summary>
public sealed record RequestInfo(string Tenant, string RequestId);

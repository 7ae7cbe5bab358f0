using System.Collections.Concurrent;
using Extism.Sdk;

namespace HostFunctionsSample;

/// <summary>
/// The host's state that the plug-in reaches through host functions. Its [HostFunction] methods
/// are kv.wasm's imports; the source generator adds <c>GetHostFunctions()</c>, whose functions
/// call this instance: one store shared by every plug-in instance they are registered with.
/// </summary>
public sealed partial class KeyValueStore
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

    // kv_read(key) -> value: the generated code reads the key's memory block as UTF-8 and writes
    // the result into a new block (offset 0 for null). The per-call host context says which
    // tenant the call is for, so tenants never see each other's keys.
    [HostFunction("kv_read")]
    private string? KvRead(CurrentPlugin plugin, string key) =>
        Read($"{plugin.GetCallHostContext<RequestInfo>()!.Tenant}/{key}");

    // kv_write(key, value): two blocks in, nothing out.
    [HostFunction("kv_write")]
    private void KvWrite(CurrentPlugin plugin, string key, string value)
    {
        RequestInfo request = plugin.GetCallHostContext<RequestInfo>()!;
        Write($"{request.Tenant}/{key}", value);
        Console.WriteLine($"  [{request.RequestId}] host: kv_write {request.Tenant}/{key} = {value}");
    }

    /// <summary>Everything stored, sorted by key.</summary>
    public IEnumerable<KeyValuePair<string, string>> Snapshot() => _values.OrderBy(kv => kv.Key, StringComparer.Ordinal);
}

/// <summary>
/// Per-call information the host passes with <c>CallWithHostContext</c>: who the call is for.
/// Host functions read it to keep tenants apart without the plug-in knowing about tenants.
/// </summary>
public sealed record RequestInfo(string Tenant, string RequestId);

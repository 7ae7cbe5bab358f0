using System.Text;
using Extism.Sdk;

namespace Extism.Docs.Snippets;

// <kv-store>
// kv.wasm imports kv_read and kv_write from extism:host/user, the
// namespace [HostFunction] uses when none is given. The class is partial:
// the generator adds GetHostFunctions().
public sealed partial class KvStore
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    // kv_read(key) -> value: the key's memory block arrives as a string;
    // null is written back as offset 0 (absent).
    [HostFunction("kv_read")]
    private string? Read(string key) => _values.GetValueOrDefault(key);

    // kv_write(key, value): two blocks in, nothing out.
    [HostFunction("kv_write")]
    private void Write(string key, string value) => _values[key] = value;
}
// </kv-store>

internal static class HostFunctions
{
    public static Task RunAsync()
    {
        // <kv-use>
        var store = new KvStore();
        HostFunction[] functions = store.GetHostFunctions();
        var manifest = new Manifest(new PathWasmSource("kv.wasm"));
        using var plugin = new Plugin(manifest, functions, withWasi: false);

        foreach (string page in new[] { "home", "home", "about" })
        {
            ReadOnlySpan<byte> output = plugin.Call("bump", Encoding.UTF8.GetBytes(page));
            string visits = Encoding.UTF8.GetString(output); // copy: valid until the next call
            Console.WriteLine($"{page}: {visits}");
        }
        // </kv-use>

        // <lambda>
        // host_loop.wasm imports extism:host/user::add_one (i64) -> i64.
        HostFunction addOne = HostFunction.FromMethod<long, long>(
            "add_one", null, (current, x) => x + 1);
        var loopManifest = new Manifest(new PathWasmSource("host_loop.wasm"));
        using var looper = new Plugin(loopManifest, [addOne], withWasi: false);
        Console.WriteLine(looper.FunctionExists("loop"));
        // </lambda>
        return Task.CompletedTask;
    }
}

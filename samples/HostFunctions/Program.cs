// kv.wasm's "bump" export counts visits per key, but keeps no state itself: it reads and writes
// the counter through two host functions, kv_read and kv_write, that this program provides.
//   * the KeyValueStore: its [HostFunction] methods are the host functions (generated code);
//   * host context: a RequestInfo given with each call, so the same plug-in can serve several
//     tenants while the host keeps their keys apart.
using System.Text;
using Extism.Sdk;
using HostFunctionsSample;

var store = new KeyValueStore();

// kv_read and kv_write are [HostFunction] methods of KeyValueStore; GetHostFunctions() is
// generated (README.md shows the same two functions written by hand).
HostFunction[] functions = store.GetHostFunctions();

string wasm = Path.Combine(AppContext.BaseDirectory, "kv.wasm");
using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), functions, withWasi: false);

(string Tenant, string Key)[] requests =
[
    ("alice", "home"), ("alice", "home"), ("bob", "home"), ("alice", "about"), ("bob", "home"),
];
int n = 0;
foreach (var (tenant, key) in requests)
{
    var request = new RequestInfo(tenant, $"req-{++n}");
    string output = Encoding.UTF8.GetString(plugin.CallWithHostContext("bump", Encoding.UTF8.GetBytes(key), request));
    Console.WriteLine($"[{request.RequestId}] {tenant}: bump {key} -> {output}");
}

Console.WriteLine($"store after {store.Writes} writes:");
foreach (var (key, value) in store.Snapshot()) Console.WriteLine($"  {key} = {value}");

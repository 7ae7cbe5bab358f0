// kv.wasm's "bump" export counts visits per key, but keeps no state itself: it reads and writes
// the counter through two host functions, kv_read and kv_write, that this program provides.
//   * user data: the KeyValueStore, given once when the host functions are defined;
//   * host context: a RequestInfo given with each call, so the same plug-in can serve several
//     tenants while the host keeps their keys apart.
using System.Text;
using Extism.Sdk;
using HostFunctionsSample;

var store = new KeyValueStore();

// kv_read(key: i64) -> i64: the plug-in passes a memory block holding the key and gets back a
// block holding the value (offset 0 when there is none). ForStrings does the block handling.
HostFunction kvRead = HostFunction.ForStrings("kv_read", store, (plugin, key) =>
{
    RequestInfo request = plugin.GetCallHostContext<RequestInfo>()!;
    return plugin.GetUserData<KeyValueStore>()!.Read($"{request.Tenant}/{key}");
});

// kv_write(key: i64, value: i64): two blocks in, nothing out. Typed parameters arrive as
// the raw i64 offsets, which CurrentPlugin turns into strings.
HostFunction kvWrite = HostFunction.FromMethod<long, long>("kv_write", store, (plugin, keyOffset, valueOffset) =>
{
    RequestInfo request = plugin.GetCallHostContext<RequestInfo>()!;
    string key = plugin.ReadString(keyOffset);
    string value = plugin.ReadString(valueOffset);
    plugin.GetUserData<KeyValueStore>()!.Write($"{request.Tenant}/{key}", value);
    Console.WriteLine($"  [{request.RequestId}] host: kv_write {request.Tenant}/{key} = {value}");
});

string wasm = Path.Combine(AppContext.BaseDirectory, "kv.wasm");
using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), [kvRead, kvWrite], withWasi: false);

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

using System.Buffers.Binary;
using System.Reflection;
using System.Text.Json.Serialization;
using Extism.Sdk;
using Extism.Sdk.Native;

// Usage: Extism.Sdk.Hostile.Host <plugins dir> [--pipe-probe] <export>:<p0>:<p1> ...
// Runs each call on one hostile.wasm instance and prints one line per call:
//   call <export>: ok <output length>
//   call <export>: <exception type> kind=<ExtismErrorKind> inner=<inner exception type>: <message>
// A crash ends the process with the signal's exit code; the parent test reports it.
string plugins = args[0];
int first = 1;
if (args.Length > 1 && args[1] == "--pipe-probe")
{
    // The portable probe macOS uses, exercised here on Linux (reflection: it is internal).
    Type probe = typeof(Plugin).Assembly.GetType("Extism.Sdk.Native.MemoryProbe", throwOnError: true)!;
    probe.GetMethod("UsePipeForTests", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, null);
    Console.WriteLine($"probe: {probe.GetProperty("Method", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)}");
    first = 2;
}

string big = new('x', 2 << 20);
HostFunction[] functions =
[
    HostFunction.ForStrings("h_str", null, (_, s) => s),
    HostFunction.ForBytes("h_bytes", null, (_, input) => input),
    HostFunction.ForJson("h_json", null, HostileJson.Default.String, HostileJson.Default.String, (_, s) => s ?? ""),
    .. Generated.GetHostFunctions(),
    // Fills the guest's buffer: as long as the block says it is (at most 64 MiB, at least 1 byte).
    new HostFunction("h_fill", [ExtismValType.I64], [ExtismValType.I64], null, (plugin, inputs, outputs) =>
    {
        long offset = inputs[0].v.i64;
        long length = plugin.BlockLength(offset);
        plugin.WriteBytes(offset, new byte[Math.Clamp(length, 1, 64L << 20)]);
        outputs[0].v.i64 = 0;
    }),
    new HostFunction("h_read", [ExtismValType.I64], [ExtismValType.I64], null, (plugin, inputs, outputs) =>
    {
        Span<byte> block = plugin.ReadBytes(inputs[0].v.i64);
        outputs[0].v.i64 = block.IsEmpty ? 0 : block[^1];
    }),
    HostFunction.ForStrings("h_big", null, (_, _) => big),
    HostFunction.ForBytes("h_bigbytes", null, (_, _) => System.Text.Encoding.ASCII.GetBytes(big)),
];

using var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "hostile.wasm")), functions, withWasi: false);
for (int i = first; i < args.Length; i++)
{
    string[] step = args[i].Split(':');
    byte[] input = new byte[16];
    BinaryPrimitives.WriteUInt64LittleEndian(input, ulong.Parse(step[1]));
    BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(8), ulong.Parse(step[2]));
    try
    {
        ReadOnlySpan<byte> output = plugin.Call(step[0], input);
        string value = output.Length == 8 ? $" {BinaryPrimitives.ReadUInt64LittleEndian(output)}" : output.Length == 5 ? $" {System.Text.Encoding.ASCII.GetString(output)}" : output.Length == 64 ? " " + Convert.ToHexString(output) : "";
        Console.WriteLine($"call {step[0]}: ok {output.Length}{value}");
    }
    catch (Exception e)
    {
        string kind = e is ExtismException x ? x.Kind.ToString() : "-";
        string inner = e.InnerException?.GetType().Name ?? "-";
        Console.WriteLine($"call {step[0]}: {e.GetType().Name} kind={kind} inner={inner}: {e.Message.ReplaceLineEndings(" ")}");
    }
}
return 0;

/// <summary>The generated-host-function case: a string parameter read from the guest's block.</summary>
internal static partial class Generated
{
    [HostFunction("h_gen")]
    public static string Echo(string value) => value;
}

[JsonSerializable(typeof(string))]
internal sealed partial class HostileJson : JsonSerializerContext;

using System.Buffers.Binary;
using Extism.Sdk;
using Extism.Sdk.Native;

namespace Extism.Docs.Snippets;

internal static class Isolation
{
    public static async Task RunAsync()
    {
        // <pool>
        // Each worker process holds one instance; up to two run at once here.
        await using var vowels = new IsolatedPluginPool(
            new Manifest(new PathWasmSource("count_vowels.wasm")),
            functions: null,
            new IsolatedPluginPoolOptions { MaxWorkers = 2, CallDeadline = TimeSpan.FromSeconds(5) });

        Console.WriteLine(await vowels.CallAsync("count_vowels", "Hello, World!"));
        // </pool>

        // <host-function>
        // The body runs in this process; the plug-in waits in its worker meanwhile.
        var addOne = new IsolatedHostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], userData: null,
            (plugin, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);
        await using var loop = new IsolatedPluginPool(new Manifest(new PathWasmSource("host_loop.wasm")), [addOne]);

        byte[] input = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(input, 3); // call add_one three times
        byte[] output = loop.Call("loop", input);
        Console.WriteLine(BinaryPrimitives.ReadUInt64LittleEndian(output));
        // </host-function>

        // <crash>
        // hostile.wasm's error_forge makes libextism itself read a forged block: SIGSEGV. In
        // process that ends the host; here it ends one worker.
        IsolatedHostFunction[] imports = [.. new[] { "h_str", "h_bytes", "h_json", "h_gen", "h_fill", "h_read", "h_big", "h_bigbytes" }
            .Select(name => new IsolatedHostFunction(name, [ExtismValType.I64], [ExtismValType.I64], null, (_, _, outputs) => outputs[0].v.i64 = 0))];
        await using var hostile = new IsolatedPluginPool(new Manifest(new PathWasmSource("hostile.wasm")), imports);
        try
        {
            hostile.Call("error_forge", new byte[16]);
        }
        catch (ExtismWorkerException e)
        {
            Console.WriteLine($"{e.Kind}, {e.Reason}");
        }
        // The next call gets a new worker; other pools never noticed.
        Console.WriteLine(System.Text.Encoding.UTF8.GetString(hostile.Call("hello", new byte[16])));
        Console.WriteLine(await vowels.CallAsync("count_vowels", "still here"));
        // </crash>
    }
}

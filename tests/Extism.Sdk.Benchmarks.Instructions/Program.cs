#if OFFICIAL_SDK
extern alias official;
#endif
using System.Runtime.InteropServices;
using Extism.Sdk;
using Extism.Sdk.Benchmarks;
using Extism.Sdk.Native;
#if OFFICIAL_SDK
using O = official::Extism.Sdk;
using ONative = official::Extism.Sdk.Native;
#endif

// Usage: <mode> <calls> [<host calls per call>] <plug-in directory>
// Runs one case a fixed number of times and prints a checksum; build/count-instructions.sh runs
// it twice per case with different counts under callgrind and divides the difference, so that
// start-up and plug-in creation cancel out.
if (args is ["version"])
{
    Console.WriteLine(ExtismRuntime.Version);
    return 0;
}
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: <mode> <calls> [<host calls per call>] <plug-in directory>; modes: " + string.Join(", ", Cases.Modes));
    return 2;
}
string mode = args[0];
int calls = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
ulong hostCalls = args.Length > 3 ? ulong.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
string plugins = args[^1];
long sum = Cases.Run(mode, calls, hostCalls, plugins);
Console.WriteLine($"{mode}\t{calls}\t{hostCalls}\t{sum}");
return 0;

internal static unsafe class Cases
{
    public static readonly string[] Modes =
    [
        "noop-raw", "noop-sdk", "noop-official",
        "host-floor", "host-frommethod", "host-extismfunction", "host-official-frommethod", "host-official-extismfunction",
    ];

    public static long Run(string mode, int calls, ulong hostCalls, string plugins)
    {
        byte[] echo = File.ReadAllBytes(Path.Combine(plugins, "echo.wasm"));
        byte[] loop = File.ReadAllBytes(Path.Combine(plugins, "host_loop.wasm"));
        byte[] n = BitConverter.GetBytes(hostCalls);
        long sum = 0;
        switch (mode)
        {
            case "noop-raw":
            {
                using var raw = new RawNoop(Path.Combine(plugins, "echo.wasm"));
                for (int i = 0; i < calls; i++) sum += raw.Call();
                return sum;
            }
            case "noop-sdk":
            {
                using var plugin = new Plugin(echo, [], withWasi: false);
                for (int i = 0; i < calls; i++) sum += plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
                return sum;
            }
            case "host-floor":
            {
                using var raw = new RawHostLoop(Path.Combine(plugins, "host_loop.wasm"));
                for (int i = 0; i < calls; i++) sum += raw.Loop(hostCalls);
                return sum;
            }
            case "host-frommethod":
            case "host-extismfunction":
            {
                using HostFunction f = mode == "host-frommethod"
                    ? HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1)
                    : new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null, static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1);
                using var plugin = new Plugin(loop, [f], withWasi: false);
                for (int i = 0; i < calls; i++) sum += plugin.Call("loop", n, 0, static (span, _) => BitConverter.ToInt64(span), default);
                return sum;
            }
#if OFFICIAL_SDK
            case "noop-official":
            {
                using var plugin = new O.Plugin(echo, [], withWasi: false);
                for (int i = 0; i < calls; i++) sum += plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
                return sum;
            }
            case "host-official-frommethod":
            case "host-official-extismfunction":
            {
                O.HostFunction f = mode == "host-official-frommethod"
                    ? O.HostFunction.FromMethod<long, long>("add_one", null!, static (_, v) => v + 1)
                    : new O.HostFunction("add_one", [ONative.ExtismValType.I64], [ONative.ExtismValType.I64], null,
                        static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1);
                using var plugin = new O.Plugin(loop, [f], withWasi: false);
                for (int i = 0; i < calls; i++) sum += BitConverter.ToInt64(plugin.Call("loop", n));
                return sum;
            }
#endif
            default:
                throw new ArgumentException($"unknown or unavailable mode '{mode}' (modes: {string.Join(", ", Modes)}; the official ones need the official SDK's source)");
        }
    }

    static Cases()
    {
        // The official SDK's [DllImport("extism")] resolves to the very file our loader uses.
#if OFFICIAL_SDK
        NativeLibrary.SetDllImportResolver(typeof(O.Plugin).Assembly, (name, _, _) => name == "extism" ? RawExports.Library : 0);
#endif
    }
}

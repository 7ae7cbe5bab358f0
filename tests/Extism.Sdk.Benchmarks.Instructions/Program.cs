#if OFFICIAL_SDK
extern alias official;
#endif
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk;
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
                nint plugin = Raw.Create(echo, null);
                for (int i = 0; i < calls; i++) sum += Raw.Noop(plugin);
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
                nint plugin = Raw.Create(loop, Raw.AddOneFunction());
                for (int i = 0; i < calls; i++) sum += Raw.Loop(plugin, n);
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
        NativeLibrary.SetDllImportResolver(typeof(O.Plugin).Assembly, (name, _, _) => name == "extism" ? Raw.Library : 0);
#endif
    }

    /// <summary>libextism's exports called directly, with no SDK between: the rows everything else is measured against.</summary>
    private static class Raw
    {
        public static readonly nint Library = Load();
        private static readonly delegate* unmanaged<nint, byte*, byte*, ulong, void*, int> s_call =
            (delegate* unmanaged<nint, byte*, byte*, ulong, void*, int>)NativeLibrary.GetExport(Library, "extism_plugin_call_with_host_context");
        private static readonly delegate* unmanaged<nint, byte*> s_error = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(Library, "extism_plugin_error");
        private static readonly delegate* unmanaged<nint, ulong> s_length = (delegate* unmanaged<nint, ulong>)NativeLibrary.GetExport(Library, "extism_plugin_output_length");
        private static readonly delegate* unmanaged<nint, byte*> s_data = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(Library, "extism_plugin_output_data");
        private static readonly byte* s_noop = Utf8("noop");
        private static readonly byte* s_loop = Utf8("loop");

        private static nint Load()
        {
            ExtismRuntime.EnsureLoaded();
            return NativeLibrary.Load(ExtismRuntime.LibraryPath);
        }

        private static byte* Utf8(string s)
        {
            byte* p = (byte*)NativeMemory.AllocZeroed((nuint)s.Length + 1);
            for (int i = 0; i < s.Length; i++) p[i] = (byte)s[i];
            return p;
        }

        public static nint Create(byte[] wasm, nint? function)
        {
            var create = (delegate* unmanaged<byte*, ulong, nint*, ulong, byte, byte**, nint>)NativeLibrary.GetExport(Library, "extism_plugin_new");
            nint f = function ?? 0;
            byte* error = null;
            nint plugin;
            fixed (byte* bytes = wasm) plugin = create(bytes, (ulong)wasm.Length, function is null ? null : &f, function is null ? 0UL : 1UL, 0, &error);
            if (plugin == 0) throw new InvalidOperationException("extism_plugin_new failed");
            return plugin;
        }

        public static nint AddOneFunction()
        {
            var newFunction = (delegate* unmanaged<byte*, ExtismValType*, ulong, ExtismValType*, ulong,
                delegate* unmanaged[Cdecl]<void*, ExtismVal*, ulong, ExtismVal*, ulong, void*, void>, void*, void*, nint>)
                NativeLibrary.GetExport(Library, "extism_function_new");
            ExtismValType i64 = ExtismValType.I64;
            return newFunction(Utf8("add_one"), &i64, 1, &i64, 1, &AddOne, null, null);
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void AddOne(void* current, ExtismVal* inputs, ulong inputCount, ExtismVal* outputs, ulong outputCount, void* userData)
            => outputs[0].v.i64 = inputs[0].v.i64 + 1;

        /// <summary>The checked no-op call: call, error, output length (what RawNoop in the paired benchmarks does).</summary>
        public static long Noop(nint plugin)
        {
            byte empty = 0;
            if (s_call(plugin, s_noop, &empty, 0, null) != 0 || s_error(plugin) is not null) throw new InvalidOperationException("raw noop failed");
            return (long)s_length(plugin);
        }

        public static long Loop(nint plugin, byte[] n)
        {
            fixed (byte* input = n)
            {
                if (s_call(plugin, s_loop, input, 8, null) != 0 || s_error(plugin) is not null) throw new InvalidOperationException("raw loop failed");
            }
            return *(long*)s_data(plugin);
        }
    }
}

#if OFFICIAL_SDK
extern alias official;
#endif
using System.Runtime.InteropServices;
#if OFFICIAL_SDK
using O = official::Extism.Sdk;
using ONative = official::Extism.Sdk.Native;
#endif

namespace Extism.Sdk.Benchmarks.Instructions;

/// <summary>
/// The official Extism .NET SDK doing each row's work as a user of it would write it (compiled
/// from its source where OfficialSdk.props looks; without it these modes are unavailable and
/// count-instructions.sh leaves the column empty). It has no pool and no source generator, so
/// those rows have no official count.
/// </summary>
internal static class OfficialCases
{
    public static Case Create(string mode, ulong hostCalls, string plugins)
    {
#if OFFICIAL_SDK
        // Its [DllImport("extism")] resolves to the very file our loader uses.
        NativeLibrary.SetDllImportResolver(typeof(O.Plugin).Assembly, (name, _, _) => name == "extism" ? RawExports.Library : 0);
        byte[] echo = File.ReadAllBytes(Path.Combine(plugins, "echo.wasm"));
        byte[] vowels = File.ReadAllBytes(Path.Combine(plugins, "count_vowels.wasm"));
        byte[] loop = File.ReadAllBytes(Path.Combine(plugins, "host_loop.wasm"));
        switch (mode)
        {
            case "noop-official": return new Noop(echo);
            case "string-official": return new Text(echo);
            case "json-official": return new Json(vowels);
            case "host-official-frommethod": return new HostLoop(loop, O.HostFunction.FromMethod<long, long>("add_one", null!, static (_, v) => v + 1), hostCalls);
            case "host-official-extismfunction":
                return new HostLoop(loop, new O.HostFunction("add_one", [ONative.ExtismValType.I64], [ONative.ExtismValType.I64], null,
                    static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1), hostCalls);
            case "instantiate-official": return new TheirInstantiate(echo);
        }
#endif
        throw new ArgumentException($"unknown or unavailable mode '{mode}' (modes: {string.Join(", ", Cases.Modes)}; the official ones need the official SDK's source)");
    }

#if OFFICIAL_SDK
    // Each loop written out, as ours are (no delegate per call).
    private abstract class Theirs(byte[] wasm, O.HostFunction[] functions) : Case
    {
        protected readonly O.Plugin Plugin = new(wasm, functions, withWasi: false);

        public override void Dispose() => Plugin.Dispose();
    }

    private sealed class Noop(byte[] wasm) : Theirs(wasm, [])
    {
        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++) sum += Plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
            return sum;
        }
    }

    private sealed class Text(byte[] wasm) : Theirs(wasm, [])
    {
        private readonly string _text = Cases.Text4K();

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++) sum += Plugin.Call("echo", _text).Length;
            return sum;
        }
    }

    private sealed class Json(byte[] wasm) : Theirs(wasm, [])
    {
        private readonly string _text = Cases.Text4K();

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++) sum += Plugin.Call<VowelCount>("count_vowels", _text, CountJson.Default.VowelCount)!.Count;
            return sum;
        }
    }

    private sealed class HostLoop(byte[] wasm, O.HostFunction function, ulong hostCalls) : Theirs(wasm, [function])
    {
        private readonly byte[] _n = BitConverter.GetBytes(hostCalls);

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++) sum += BitConverter.ToInt64(Plugin.Call("loop", _n));
            return sum;
        }
    }

    private sealed class TheirInstantiate(byte[] wasm) : Case
    {
        private readonly O.CompiledPlugin _compiled = new(new O.Manifest(new O.ByteArrayWasmSource(wasm, null)), [], withWasi: false);

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                using O.Plugin plugin = _compiled.Instantiate();
                sum += plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length + 1;
            }
            return sum;
        }

        public override void Dispose() => _compiled.Dispose();
    }
#endif
}

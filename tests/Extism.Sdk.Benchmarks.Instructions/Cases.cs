using System.Text.Json.Serialization;
using Extism.Sdk.Native;

namespace Extism.Sdk.Benchmarks.Instructions;

/// <summary>
/// The rows: libextism's exports called directly (the floors, <c>*-raw</c> and <c>host-floor</c>),
/// this SDK, and the official SDK (<see cref="OfficialCases"/>) doing the same work.
/// </summary>
internal static partial class Cases
{
    public static readonly string[] Modes =
    [
        "noop-raw", "noop-sdk", "noop-official", "pool-sdk",
        "host-floor", "host-frommethod", "host-extismfunction", "host-generated", "host-official-frommethod", "host-official-extismfunction",
        "string-raw", "string-sdk", "string-official",
        "json-raw", "json-sdk", "json-official",
        "instantiate-sdk", "instantiate-official",
    ];

    /// <summary>The P7 input: 4 KiB of ASCII text, as Inputs.Text(4096) builds it for the benchmarks.</summary>
    public static string Text4K()
    {
        const string Phrase = "The quick brown fox jumps over the lazy dog. ";
        var chars = new char[4096];
        for (int i = 0; i < chars.Length; i++) chars[i] = Phrase[i % Phrase.Length];
        return new string(chars);
    }

    public static Case Create(string mode, ulong hostCalls, string plugins, Regression? regression)
    {
        string echo = Path.Combine(plugins, "echo.wasm");
        string vowels = Path.Combine(plugins, "count_vowels.wasm");
        string loop = Path.Combine(plugins, "host_loop.wasm");
        return mode switch
        {
            "noop-raw" => new RawCall(echo, "noop", []),
            "string-raw" => new RawCall(echo, "echo", System.Text.Encoding.UTF8.GetBytes(Text4K())),
            "json-raw" => new RawCall(vowels, "count_vowels", System.Text.Encoding.UTF8.GetBytes(Text4K())),
            "host-floor" => new RawLoop(loop, hostCalls),
            "noop-sdk" => new Noop(File.ReadAllBytes(echo), regression),
            "string-sdk" => new Text(File.ReadAllBytes(echo), regression),
            "json-sdk" => new Json(File.ReadAllBytes(vowels), regression),
            "pool-sdk" => new Pool(File.ReadAllBytes(echo), regression),
            "instantiate-sdk" => new Instantiate(File.ReadAllBytes(echo), regression),
            "host-frommethod" or "host-extismfunction" or "host-generated" => new HostLoop(File.ReadAllBytes(loop), HostFunctions(mode, regression), hostCalls),
            _ => OfficialCases.Create(mode, hostCalls, plugins),
        };
    }

    /// <summary>add_one in the three ways a user can write it; a regression goes into its body (per host call).</summary>
    private static HostFunction[] HostFunctions(string mode, Regression? regression) => mode switch
    {
        "host-frommethod" => [regression is null
            ? HostFunction.FromMethod<long, long>("add_one", null, static (_, v) => v + 1)
            : HostFunction.FromMethod<long, long>("add_one", null, (_, v) => { regression.Hit(); return v + 1; })],
        "host-extismfunction" => [regression is null
            ? new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null, static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1)
            : new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null, (_, i, o) => { regression.Hit(); o[0].v.i64 = i[0].v.i64 + 1; })],
        _ => regression is null ? GeneratedAddOne.GetHostFunctions() : new RegressingAddOne(regression).GetHostFunctions(),
    };

    /// <summary>
    /// A long-lived <see cref="Plugin"/>. Each row's loop is written out in its own class (no
    /// delegate per call), so that the SDK rows run the same loop as the raw rows do.
    /// </summary>
    private abstract class Ours(byte[] wasm, HostFunction[] functions, Regression? regression) : Case
    {
        protected readonly Plugin Plugin = new(wasm, functions, withWasi: false);
        protected readonly Regression? Regression = regression;

        public override void Dispose()
        {
            Plugin.Dispose();
            foreach (HostFunction f in functions) f.Dispose();
        }
    }

    /// <summary>P1: the compat no-op call.</summary>
    private sealed class Noop(byte[] wasm, Regression? regression) : Ours(wasm, [], regression)
    {
        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                Regression?.Hit();
                sum += Plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length;
            }
            return sum;
        }
    }

    /// <summary>P7: Call(string, string) echoing 4 KiB.</summary>
    private sealed class Text(byte[] wasm, Regression? regression) : Ours(wasm, [], regression)
    {
        private readonly string _text = Text4K();

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                Regression?.Hit();
                sum += Plugin.Call("echo", _text).Length;
            }
            return sum;
        }
    }

    /// <summary>P7: count_vowels on 4 KiB of text, the output read as JSON through a JsonTypeInfo.</summary>
    private sealed class Json(byte[] wasm, Regression? regression) : Ours(wasm, [], regression)
    {
        private readonly string _text = Text4K();

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                Regression?.Hit();
                sum += Plugin.Call("count_vowels", _text, CountJson.Default.VowelCount)!.Count;
            }
            return sum;
        }
    }

    /// <summary>P3: one call of loop making <c>hostCalls</c> calls of add_one.</summary>
    private sealed class HostLoop(byte[] wasm, HostFunction[] functions, ulong hostCalls) : Ours(wasm, functions, null)
    {
        private readonly byte[] _n = BitConverter.GetBytes(hostCalls);

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++) sum += Plugin.Call("loop", _n, 0, static (span, _) => BitConverter.ToInt64(span), default);
            return sum;
        }
    }

    /// <summary>The pool's call path: rent an instance, call noop on it, return it (PluginPool.Call).</summary>
    private sealed class Pool(byte[] wasm, Regression? regression) : Case
    {
        private readonly CompiledPlugin _compiled = new(wasm, [], withWasi: false);
        private PluginPool? _pool;

        public override long Loop(int calls)
        {
            _pool ??= new PluginPool(_compiled, new PluginPoolOptions { MaxSize = 1 });
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                regression?.Hit();
                sum += _pool.Call("noop", ReadOnlySpan<byte>.Empty).Length;
            }
            return sum;
        }

        public override void Dispose()
        {
            _pool?.Dispose();
            _compiled.Dispose();
        }
    }

    /// <summary>P6's Instantiate path: an instance of a compiled plug-in, its first call, its disposal.</summary>
    private sealed class Instantiate(byte[] wasm, Regression? regression) : Case
    {
        private readonly CompiledPlugin _compiled = new(wasm, [], withWasi: false);

        public override long Loop(int calls)
        {
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                regression?.Hit();
                using Plugin plugin = _compiled.Instantiate();
                sum += plugin.Call("noop", ReadOnlySpan<byte>.Empty).Length + 1;
            }
            return sum;
        }

        public override void Dispose() => _compiled.Dispose();
    }
}

/// <summary>add_one as a [HostFunction] method: GetHostFunctions() is generated.</summary>
internal static partial class GeneratedAddOne
{
    [HostFunction("add_one")]
    public static long AddOne(long value) => value + 1;
}

/// <summary>The generated add_one with the deliberate regression in its body.</summary>
internal sealed partial class RegressingAddOne(Regression regression)
{
    [HostFunction("add_one")]
    public long AddOne(long value)
    {
        regression.Hit();
        return value + 1;
    }
}

/// <summary>count_vowels' output: <c>{"count":N,"total":T,"vowels":"aeiouAEIOU"}</c>.</summary>
internal sealed class VowelCount
{
    [JsonPropertyName("count")] public long Count { get; set; }
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("vowels")] public string? Vowels { get; set; }
}

/// <summary>Source-generated metadata: the AOT-friendly JSON path, as in the benchmarks' P7.</summary>
[JsonSerializable(typeof(VowelCount))]
internal sealed partial class CountJson : JsonSerializerContext
{
}

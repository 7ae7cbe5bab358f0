using System.Buffers;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// Steady-state calls on long-lived plug-ins (P1, P2, P4, P5, P7). Method names are the case
/// names bench.sh matches against native/bench.c; keep them in step.
/// </summary>
[MemoryDiagnoser]
public class CallBenchmarks
{
    private const int K64 = 64 * 1024;
    private const int M1 = 1024 * 1024;

    private Plugin _echo = null!;
    private Plugin _vowels = null!;
    private byte[] _text4K = null!;
    private string _string4K = null!;
    private byte[] _data64K = null!;
    private byte[] _data1M = null!;
    // Reused across calls: the zero-copy case measures the SDK, not buffer growth.
    private readonly ArrayBufferWriter<byte> _writer = new(M1);

    [GlobalSetup]
    public void Setup()
    {
        _echo = new Plugin(Inputs.ManifestFor("echo.wasm"), [], withWasi: false);
        _vowels = new Plugin(Inputs.ManifestFor("count_vowels.wasm"), [], withWasi: false);
        _text4K = Inputs.TextBytes(4096);
        _string4K = Inputs.Text(4096);
        _data64K = Inputs.Pattern(K64);
        _data1M = Inputs.Pattern(M1);
        Check();
    }

    /// <summary>A benchmark that silently measured a failing or wrong call would be worthless.</summary>
    private void Check()
    {
        if (P4_Echo1M() != M1 || P5_Echo1M_Reader() != _data1M[0] + _data1M[^1] || P5_Echo64K_BufferWriter() != K64)
            throw new InvalidOperationException("echo returned the wrong output");
        if (P7_String4K().Length != 4096) throw new InvalidOperationException("string echo returned the wrong output");
        if (P7_Json4K() is not { Count: > 0 }) throw new InvalidOperationException("count_vowels JSON did not parse");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _echo.Dispose();
        _vowels.Dispose();
    }

    [Benchmark]
    public int P1_Noop() => _echo.Call("noop", ReadOnlySpan<byte>.Empty).Length;

    [Benchmark]
    public int P2_CountVowels4K() => _vowels.Call("count_vowels", _text4K).Length;

    [Benchmark]
    public int P4_Echo64K() => _echo.Call("echo", _data64K).Length;

    [Benchmark]
    public int P4_Echo1M() => _echo.Call("echo", _data1M).Length;

    [Benchmark]
    public int P5_Echo64K_BufferWriter() => EchoInto(_data64K);

    [Benchmark]
    public int P5_Echo1M_BufferWriter() => EchoInto(_data1M);

    // The reader touches the first and last byte in place, as the C baseline does.
    [Benchmark]
    public int P5_Echo64K_Reader() => _echo.Call("echo", _data64K, 0, static (span, _) => span[0] + span[^1], default);

    [Benchmark]
    public int P5_Echo1M_Reader() => _echo.Call("echo", _data1M, 0, static (span, _) => span[0] + span[^1], default);

    [Benchmark]
    public string P7_String4K() => _echo.Call("echo", _string4K);

    [Benchmark]
    public VowelCount? P7_Json4K() => _vowels.Call("count_vowels", _string4K, BenchJson.Default.VowelCount);

    private int EchoInto(byte[] input)
    {
        _writer.ResetWrittenCount();
        return _echo.Call("echo", input, _writer);
    }
}

/// <summary>count_vowels' output: <c>{"count":N,"total":T,"vowels":"aeiouAEIOU"}</c>.</summary>
public sealed class VowelCount
{
    [JsonPropertyName("count")] public long Count { get; set; }
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("vowels")] public string? Vowels { get; set; }
}

/// <summary>Source-generated metadata, so the JSON case measures the AOT-friendly path.</summary>
[JsonSerializable(typeof(VowelCount))]
internal sealed partial class BenchJson : JsonSerializerContext
{
}

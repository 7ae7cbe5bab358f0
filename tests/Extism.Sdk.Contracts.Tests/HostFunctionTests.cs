using System.Collections.Concurrent;
using System.Text;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Contracts.Tests;

/// <summary>The kv.wasm host functions as static [HostFunction] methods (kv_read: key → value, kv_write: key, value → ()).</summary>
public static partial class KvHost
{
    internal static readonly ConcurrentDictionary<string, string> Store = new();
    internal static int Writes;

    [HostFunction("kv_read")]
    public static string? Read(string key) => Store.TryGetValue(key, out string? value) ? value : null;

    [HostFunction("kv_write")]
    public static void Write(CurrentPlugin plugin, string key, string value)
    {
        Assert.NotEqual(0, plugin.GetMemory());
        Store[key] = value;
        Interlocked.Increment(ref Writes);
    }
}

/// <summary>The same imports as instance methods: each store keeps its own state.</summary>
public sealed partial class TenantStore
{
    private readonly Dictionary<string, string> _values = new();

    [HostFunction("kv_read")]
    public string? Read(string key) => _values.TryGetValue(key, out string? value) ? value : null;

    [HostFunction("kv_write")]
    public void Write(string key, string value) => _values[key] = value;

    public string? this[string key] => Read(key);
}

/// <summary>host_types.wasm's imports with every wasm value type, as generated host functions.</summary>
public static partial class Numbers
{
    [HostFunction("round_i32")] public static uint RoundI32(uint value) => value + 1;
    [HostFunction("round_i64")] public static ulong RoundI64(ulong value) => value + 1;
    [HostFunction("round_f32")] public static float RoundF32(float value) => value * 2;
    [HostFunction("round_f64")] public static double RoundF64(double value) => value * 2;
    [HostFunction("sum8")] public static long Sum8(long a, long b, long c, long d, long e, long f, long g, long h) => a + b + c + d + e + f + g + h;
    [HostFunction("mix")] public static double Mix(int a, long b, float c, double d) => a + b + (double)c + d;
}

public sealed partial class HostFunctionTests
{
    [Fact]
    public void Static_host_functions_serve_kv_wasm()
    {
        HostFunction[] functions = KvHost.GetHostFunctions();
        Assert.Equal(["kv_read", "kv_write"], functions.Select(f => f.Name));
        Assert.All(functions, f => Assert.Equal(HostFunction.DefaultNamespace, f.Namespace));
        Assert.Equal([ExtismValType.I64, ExtismValType.I64], functions[1].InputTypes);
        using Plugin plugin = Plugins.Load("kv", functions);
        string key = "static-" + Guid.NewGuid().ToString("N");
        Assert.Equal(key + "=1", plugin.Call("bump", key));
        Assert.Equal(key + "=2", plugin.Call("bump", key));
        Assert.Equal("2", KvHost.Store[key]);
    }

    [Fact]
    public void Instance_host_functions_keep_state_per_instance()
    {
        var a = new TenantStore();
        var b = new TenantStore();
        using Plugin pa = Plugins.Load("kv", a.GetHostFunctions());
        using Plugin pb = Plugins.Load("kv", b.GetHostFunctions());
        Assert.Equal("k=1", pa.Call("bump", "k"));
        Assert.Equal("k=2", pa.Call("bump", "k"));
        Assert.Equal("k=1", pb.Call("bump", "k"));
        Assert.Equal("2", a["k"]);
        Assert.Equal("1", b["k"]);
    }

    [Fact]
    public void Numeric_host_functions_cross_every_wasm_type()
    {
        using Plugin plugin = Plugins.Load("host_types", Numbers.GetHostFunctions());
        Assert.Equal(uint.MaxValue, BitConverter.ToUInt32(plugin.Call("call_i32", BitConverter.GetBytes(uint.MaxValue - 1))));
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(plugin.Call("call_i64", BitConverter.GetBytes(ulong.MaxValue - 1))));
        Assert.Equal(3.0f, BitConverter.ToSingle(plugin.Call("call_f32", BitConverter.GetBytes(1.5f))));
        Assert.Equal(-5.0, BitConverter.ToDouble(plugin.Call("call_f64", BitConverter.GetBytes(-2.5))));
        byte[] eight = Enumerable.Range(1, 8).SelectMany(i => BitConverter.GetBytes((long)i)).ToArray();
        Assert.Equal(36, BitConverter.ToInt64(plugin.Call("call_sum8", eight)));
        byte[] mix = [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(10_000_000_000L), .. BitConverter.GetBytes(0.5f), .. BitConverter.GetBytes(0.25)];
        Assert.Equal(9999999993.75, BitConverter.ToDouble(plugin.Call("call_mix", mix)));
    }

    [Fact]
    public void A_throwing_generated_host_function_fails_the_call_with_the_exception_inside()
    {
        using Plugin plugin = Plugins.Load("kv", new Failing().GetHostFunctions());
        ExtismException e = Assert.ThrowsAny<ExtismException>(() => plugin.Call("bump", "x"));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal("no reads today", e.InnerException!.Message);
    }

    public sealed partial class Failing
    {
        [HostFunction("kv_read")] public string Read(string key) => throw new InvalidOperationException("no reads today");
        [HostFunction("kv_write")] public void Write(string key, string value) { }
    }

    [Fact]
    public void Namespace_comes_from_the_attribute()
    {
        using Plugin plugin = Plugins.Load("host_ns", Answers.GetHostFunctions());
        Assert.Equal(42L, BitConverter.ToInt64(plugin.Call("call_answer", [])));
        Assert.Equal("my-namespace", Answers.GetHostFunctions()[0].Namespace);
    }

    public static partial class Answers
    {
        [HostFunction("answer", Namespace = "my-namespace")] public static long Answer() => 42;
    }

    [Fact]
    public void Byte_host_functions_read_and_write_blocks()
    {
        using Plugin plugin = Plugins.Load("host_bytes", Transform.GetHostFunctions());
        Assert.Equal("olleh", Encoding.UTF8.GetString(plugin.Call("call_transform", "hello"u8)));
        Assert.Equal("", Encoding.UTF8.GetString(plugin.Call("call_transform", ReadOnlySpan<byte>.Empty)));
    }

    public static partial class Transform
    {
        [HostFunction("transform")]
        public static byte[]? Reverse(ReadOnlySpan<byte> input)
        {
            if (input.IsEmpty) return null;
            byte[] copy = input.ToArray();
            Array.Reverse(copy);
            return copy;
        }
    }
}

using System.Runtime.InteropServices;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// HostFunction.FromMethod with every supported value type, through host_types.wasm. Each host
/// function records what it received and answers with a value the test chose, so both directions
/// are checked separately and bit for bit.
/// </summary>
public class TypedHostFunctionTests
{
    /// <summary>What a typed host function saw and what it answers with (its user data).</summary>
    private sealed class Probe<T> where T : struct
    {
        public T Received;
        public T Reply;
        public int Calls;
    }

    private static HostFunction Recorder<T>(string name, Probe<T> probe) where T : struct
        => HostFunction.FromMethod<T, T>(name, probe, static (plugin, value) =>
        {
            Probe<T> p = plugin.GetUserData<Probe<T>>()!;
            p.Received = value;
            p.Calls++;
            return p.Reply;
        });

    /// <summary>host_types with one import replaced; the others are identities that must not be reached.</summary>
    private static Plugin HostTypes(HostFunction replacement)
    {
        HostFunction[] functions =
        [
            HostFunction.FromMethod<int, int>("round_i32", null, static (_, v) => v),
            HostFunction.FromMethod<long, long>("round_i64", null, static (_, v) => v),
            HostFunction.FromMethod<float, float>("round_f32", null, static (_, v) => v),
            HostFunction.FromMethod<double, double>("round_f64", null, static (_, v) => v),
            HostFunction.FromMethod<long, long, long, long, long, long, long, long, long>("sum8", null,
                static (_, a, b, c, d, e, f, g, h) => a + b + c + d + e + f + g + h),
            HostFunction.FromMethod<int, long, float, double, double>("mix", null, static (_, a, b, c, d) => a + b + (double)c + d),
        ];
        for (int i = 0; i < functions.Length; i++)
        {
            if (functions[i].Name == replacement.Name) functions[i] = replacement;
        }
        return TestPlugins.Load("host_types", false, functions);
    }

    private static byte[] Bytes<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();

    /// <summary>Sends every value through the import in both directions (each value is also a reply, paired with another value).</summary>
    private static void RoundTrip<T>(string import, string export, params T[] values) where T : unmanaged
    {
        var probe = new Probe<T>();
        using Plugin plugin = HostTypes(Recorder(import, probe));
        for (int i = 0; i < values.Length; i++)
        {
            T sent = values[i];
            probe.Reply = values[values.Length - 1 - i];
            byte[] output = plugin.Call(export, Bytes(sent)).ToArray();
            // Compared as bytes: NaN payloads and the sign of zero must survive exactly.
            Assert.Equal(Bytes(sent), Bytes(probe.Received));
            Assert.Equal(Bytes(probe.Reply), output);
        }
        Assert.Equal(values.Length, probe.Calls);
    }

    [Fact]
    public void IntRoundTripsThroughI32()
        => RoundTrip("round_i32", "call_i32", 0, 1, -1, -123456789, int.MinValue, int.MaxValue);

    [Fact]
    public void UIntRoundTripsThroughI32()
        => RoundTrip("round_i32", "call_i32", 0u, 1u, 0x8000_0000u, 0xDEAD_BEEFu, uint.MaxValue);

    [Fact]
    public void LongRoundTripsThroughI64()
        => RoundTrip("round_i64", "call_i64", 0L, 1L, -1L, -10_000_000_000L, long.MinValue, long.MaxValue);

    [Fact]
    public void ULongRoundTripsThroughI64()
        => RoundTrip("round_i64", "call_i64", 0UL, 1UL, 1UL << 63, 0x0123_4567_89AB_CDEFUL, ulong.MaxValue);

    [Fact]
    public void FloatRoundTripsBitExactThroughF32()
        => RoundTrip("round_f32", "call_f32",
            0.0f, -0.0f, 1.5f, -2.25f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue,
            BitConverter.Int32BitsToSingle(0x7fa0_0001), // signalling NaN with a payload
            BitConverter.Int32BitsToSingle(unchecked((int)0xffc1_2345))); // negative quiet NaN with a payload

    [Fact]
    public void DoubleRoundTripsBitExactThroughF64()
        => RoundTrip("round_f64", "call_f64",
            0.0, -0.0, Math.PI, -1e300, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MinValue,
            BitConverter.Int64BitsToDouble(0x7ff4_0000_0000_0001),
            BitConverter.Int64BitsToDouble(unchecked((long)0xfff8_dead_0000_beef)));

    [Fact]
    public void EightParametersArriveInOrder()
    {
        long[]? seen = null;
        // Mixed long/ulong: both map to i64 and must keep their bits.
        var sum8 = HostFunction.FromMethod<long, ulong, long, ulong, long, ulong, long, ulong, long>("sum8", null,
            (_, a, b, c, d, e, f, g, h) =>
            {
                seen = [a, (long)b, c, (long)d, e, (long)f, g, (long)h];
                return a + (long)b + c + (long)d + e + (long)f + g + (long)h;
            });
        using Plugin plugin = HostTypes(sum8);
        long[] args = [1, -2, 300, long.MinValue, 5_000_000_000, -6, 7, unchecked((long)ulong.MaxValue)];
        byte[] output = plugin.Call("call_sum8", MemoryMarshal.AsBytes(args.AsSpan()).ToArray()).ToArray();
        Assert.Equal(args, seen);
        long sum = 0;
        foreach (long a in args) sum = unchecked(sum + a);
        Assert.Equal(sum, BitConverter.ToInt64(output));
    }

    [Fact]
    public void MixedTypesArriveInTheirSlots()
    {
        using Plugin plugin = HostTypes(HostFunction.FromMethod<int, long, float, double, double>("mix", null,
            static (_, a, b, c, d) => a + b + (double)c + d));
        byte[] output = plugin.Call("call_mix", MixInput(-7, 10_000_000_000, 0.5f, 0.25)).ToArray();
        Assert.Equal(9999999993.75, BitConverter.ToDouble(output));
    }

    [Fact]
    public void MixedUnsignedTypesKeepTheirBits()
    {
        (uint, ulong, float, double) seen = default;
        using Plugin plugin = HostTypes(HostFunction.FromMethod<uint, ulong, float, double, double>("mix", null,
            (_, a, b, c, d) => { seen = (a, b, c, d); return -0.0; }));
        byte[] output = plugin.Call("call_mix", MixInput(-1, -1, float.NegativeInfinity, double.NaN)).ToArray();
        Assert.Equal(uint.MaxValue, seen.Item1);
        Assert.Equal(ulong.MaxValue, seen.Item2);
        Assert.Equal(float.NegativeInfinity, seen.Item3);
        Assert.True(double.IsNaN(seen.Item4));
        Assert.Equal(BitConverter.GetBytes(-0.0), output);
    }

    private static byte[] MixInput(int a, long b, float c, double d)
    {
        var input = new byte[24];
        BitConverter.TryWriteBytes(input.AsSpan(0), a);
        BitConverter.TryWriteBytes(input.AsSpan(4), b);
        BitConverter.TryWriteBytes(input.AsSpan(12), c);
        BitConverter.TryWriteBytes(input.AsSpan(16), d);
        return input;
    }

    [Fact]
    public void ActionWithoutParametersRunsForEveryGuestCall()
    {
        int pings = 0;
        // A block body: the expression `pings++` would pick the Func<CurrentPlugin, int> overload.
        using var ping = HostFunction.FromMethod("ping", null, _ => { pings++; });
        using Plugin plugin = TestPlugins.Load("host_void", false, ping);
        plugin.Call("call_ping", ReadOnlySpan<byte>.Empty);
        Assert.Equal(3, pings);
        Assert.Empty(ping.InputTypes);
        Assert.Empty(ping.OutputTypes);
    }

    [Fact]
    public void ActionAndFuncOverloadsWorkWithMemoryOffsets()
    {
        // kv.wasm: kv_read(key) -> value block, kv_write(key, value) with decimal text values.
        var store = new Dictionary<string, string>();
        using var read = HostFunction.FromMethod<long, long>("kv_read", store, static (plugin, key) =>
            plugin.GetUserData<Dictionary<string, string>>()!.TryGetValue(plugin.ReadString(key), out string? v) ? plugin.WriteString(v) : 0);
        using var write = HostFunction.FromMethod<ulong, ulong>("kv_write", store, static (plugin, key, value) =>
            plugin.GetUserData<Dictionary<string, string>>()![plugin.ReadString((long)key)] = plugin.ReadString((long)value));
        using Plugin plugin = TestPlugins.Load("kv", false, read, write);
        Assert.Equal("cats=1", plugin.Call("bump", "cats"));
        Assert.Equal("cats=2", plugin.Call("bump", "cats"));
        store["dogs"] = "41";
        Assert.Equal("dogs=42", plugin.Call("bump", "dogs"));
        Assert.Equal("2", store["cats"]);
    }

    [Fact]
    public void DeclaredTypesFollowTheTypeParameters()
    {
        using var f = HostFunction.FromMethod<int, uint, long, ulong, float, double, int, long, double>("f", null,
            static (_, _, _, _, _, _, _, _, _) => 0.0);
        Assert.Equal(
            new[] { ExtismValType.I32, ExtismValType.I32, ExtismValType.I64, ExtismValType.I64, ExtismValType.F32, ExtismValType.F64, ExtismValType.I32, ExtismValType.I64 },
            f.InputTypes);
        Assert.Equal(new[] { ExtismValType.F64 }, f.OutputTypes);
        Assert.Equal(HostFunction.DefaultNamespace, f.Namespace);
    }

    [Fact]
    public void UnsupportedTypeParametersAreRefusedAtCreationNamingTheType()
    {
        Assert.Contains("System.Decimal", Assert.Throws<NotSupportedException>(() =>
            HostFunction.FromMethod<decimal>("f", null, static (_, _) => { })).Message);
        Assert.Contains("System.Boolean", Assert.Throws<NotSupportedException>(() =>
            HostFunction.FromMethod<bool>("f", null, static _ => true)).Message);
        Assert.Contains("System.Int16", Assert.Throws<NotSupportedException>(() =>
            HostFunction.FromMethod<int, short, long>("f", null, static (_, _, _) => 0L)).Message);
        Assert.Contains("System.IntPtr", Assert.Throws<NotSupportedException>(() =>
            HostFunction.FromMethod<long, nint>("f", null, static (_, _) => 0)).Message);
        Assert.Contains("System.Guid", Assert.Throws<NotSupportedException>(() =>
            HostFunction.FromMethod<int, int, int, int, int, int, int, Guid>("f", null, static (_, _, _, _, _, _, _, _, _) => { })).Message);
    }

    [Theory]
    [InlineData(ExtismValType.V128)]
    [InlineData(ExtismValType.FuncRef)]
    [InlineData(ExtismValType.ExternRef)]
    [InlineData((ExtismValType)42)]
    public void ValueTypesLibextismCannotPassAreRefusedAtCreation(ExtismValType type)
    {
        ExtismFunction body = static (_, _, _) => { };
        var e = Assert.Throws<ArgumentException>(() => new HostFunction("f", [type], [], null, body));
        Assert.Equal("inputTypes", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new HostFunction("f", [ExtismValType.I32], [type], null, body));
        Assert.Equal("outputTypes", e.ParamName);
    }
}

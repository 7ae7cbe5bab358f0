using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

/// <summary>Host functions run in the host; the plug-in waits in its worker meanwhile.</summary>
public class HostFunctionTests
{
    private static IsolatedHostFunction Transform(IsolatedHostFunctionCallback body, object? userData = null) =>
        new("transform", [ExtismValType.I64], [ExtismValType.I64], userData, body);

    private static IsolatedPluginPool HostBytes(IsolatedHostFunction transform) =>
        TestPlugins.Pool("host_bytes", functions: [transform]);

    [Theory]
    [InlineData(5)]          // sent ahead with the host call
    [InlineData(300_000)]    // read by a round trip
    public void BytesGoToTheHostAndBack(int size)
    {
        using IsolatedPluginPool pool = HostBytes(Transform(static (plugin, inputs, outputs) =>
        {
            long offset = inputs[0].v.i64;
            Assert.Equal(plugin.BlockLength(offset), plugin.ReadBytes(offset).Length);
            byte[] block = plugin.ReadBytes(offset);
            Array.Reverse(block);
            outputs[0].v.i64 = plugin.WriteBytes(block);
        }));
        byte[] input = new byte[size];
        new Random(size).NextBytes(input);
        byte[] expected = input.Reverse().ToArray();
        Assert.Equal(expected, pool.Call("call_transform", input));
        Assert.Equal(expected, pool.Call("call_transform", input)); // and again on the same worker
    }

    [Fact]
    public void StringsUserDataAndMemoryOperationsWork()
    {
        using IsolatedPluginPool pool = HostBytes(Transform(static (plugin, inputs, outputs) =>
        {
            string text = plugin.ReadString(inputs[0].v.i64);
            long scratch = plugin.AllocateBlock(16);
            Assert.Equal(16, plugin.BlockLength(scratch));
            plugin.FreeBlock(scratch);
            outputs[0].v.i64 = plugin.WriteString(plugin.GetUserData<string>() + text.ToUpperInvariant());
        }, userData: "got: "));
        Assert.Equal("got: HELLO", pool.Call("call_transform", "hello"));
        Assert.Equal("got: ", pool.Call("call_transform", "")); // offset 0 reads as ""
    }

    [Fact]
    public async Task TheHostContextStaysInTheHostAndReachesTheCallback()
    {
        var context = new object();
        object? seen = null;
        await using IsolatedPluginPool pool = HostBytes(Transform((plugin, inputs, outputs) =>
        {
            seen = plugin.GetCallHostContext<object>();
            outputs[0].v.i64 = plugin.WriteString(plugin.GetCallHostContext<string>() ?? "none");
        }));
        Assert.Equal("tenant-7", Encoding.UTF8.GetString(pool.Call("call_transform", "x"u8, "tenant-7")));
        Assert.Equal("tenant-8", Encoding.UTF8.GetString(await pool.CallAsync("call_transform", "x"u8.ToArray(), "tenant-8")));
        Assert.Equal("none", pool.Call("call_transform", "x"));
        pool.Call("call_transform", "x"u8, context);
        Assert.Same(context, seen);
    }

    [Fact]
    public void ACallbackExceptionFailsTheCallWithItAsInnerException()
    {
        var thrown = new InvalidOperationException("no tenant");
        using IsolatedPluginPool pool = HostBytes(Transform((_, _, _) => throw thrown));
        ExtismException failure = Assert.ThrowsAny<ExtismException>(() => pool.Call("call_transform", "x"));
        Assert.Equal(ExtismErrorKind.HostFunction, failure.Kind);
        Assert.Same(thrown, failure.InnerException);
        Assert.Equal("Host function 'transform' threw InvalidOperationException while plug-in function 'call_transform' was running: no tenant", failure.Message);
        Assert.Equal(1, pool.Count); // a host-function failure is not a worker failure
    }

    [Fact]
    public void AForgedOffsetFailsTheHostCallNotTheWorker()
    {
        using IsolatedPluginPool pool = HostBytes(Transform(static (plugin, _, outputs) =>
        {
            outputs[0].v.i64 = plugin.WriteBytes(plugin.ReadBytes(123_456_789)); // not a block
        }));
        ExtismException failure = Assert.ThrowsAny<ExtismException>(() => pool.Call("call_transform", "x"));
        Assert.Equal(ExtismErrorKind.HostFunction, failure.Kind);
        Assert.IsType<ArgumentException>(failure.InnerException);
        int pid = pool.WorkerIds().Single();
        using IsolatedPluginPool echo = TestPlugins.Pool("echo");
        Assert.Equal(1, pool.Count);
        Assert.True(TestPlugins.IsRunning(pid));
    }

    [Fact]
    public void ARemotePluginIsDeadAfterItsCallback()
    {
        RemotePlugin kept = default;
        using IsolatedPluginPool pool = HostBytes(Transform((plugin, _, outputs) =>
        {
            kept = plugin;
            outputs[0].v.i64 = 0;
        }));
        Assert.Empty(pool.Call("call_transform", "x"u8));
        Assert.Throws<InvalidOperationException>(() => kept.ReadBytes(1));
        Assert.Throws<InvalidOperationException>(() => default(RemotePlugin).WriteString("x"));
    }

    [Fact]
    public void GeneratedHostFunctionsWorkAcrossTheBoundary()
    {
        using IsolatedPluginPool pool = TestPlugins.Pool("host_bytes", functions: GeneratedFunctions.GetIsolatedHostFunctions());
        Assert.Equal("DLROW OLLEH", pool.Call("call_transform", "hello world"));
    }

    [Fact]
    public void ManyHostCallsInOneCall()
    {
        var addOne = new IsolatedHostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null,
            static (_, inputs, outputs) => outputs[0].v.i64 = inputs[0].v.i64 + 1);
        using IsolatedPluginPool pool = TestPlugins.Pool("host_loop", functions: [addOne]);
        Assert.Equal(10UL, BinaryPrimitives.ReadUInt64LittleEndian(pool.Call("loop", TestPlugins.U64(10))));
        const int n = 20_000;
        var clock = Stopwatch.StartNew();
        Assert.Equal((ulong)n, BinaryPrimitives.ReadUInt64LittleEndian(pool.Call("loop", TestPlugins.U64(n))));
        TestContext.Current.TestOutputHelper?.WriteLine($"host call round trip: {clock.Elapsed.TotalMicroseconds / n:F1} µs");
    }
}

/// <summary>A [HostFunction] method; the generator makes its IsolatedHostFunction.</summary>
internal static partial class GeneratedFunctions
{
    [HostFunction("transform")]
    public static string Transform(string text) => new(text.ToUpperInvariant().Reverse().ToArray());
}

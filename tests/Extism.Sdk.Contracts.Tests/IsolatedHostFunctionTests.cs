using System.Text;
using System.Text.Json;
using Xunit;

namespace Extism.Sdk.Contracts.Tests;

/// <summary>host_bytes.wasm's import as an isolated-only method: it reaches the worker's plug-in through RemotePlugin.</summary>
public static partial class RemoteTransform
{
    [HostFunction("transform")]
    public static byte[] Reverse(RemotePlugin plugin, ReadOnlySpan<byte> input)
    {
        byte[] copy = input.ToArray();
        Array.Reverse(copy);
        string prefix = plugin.GetCallHostContext<string>() ?? "";
        return [.. Encoding.UTF8.GetBytes(prefix), .. copy];
    }
}

/// <summary>Generated GetIsolatedHostFunctions() serving real plug-ins in worker processes (IsolatedPluginPool).</summary>
public sealed class IsolatedHostFunctionTests
{
    private static IsolatedPluginPool Pool(string name, IsolatedHostFunction[] functions, int maxWorkers = 1) =>
        new(Plugins.Manifest(name), functions, new IsolatedPluginPoolOptions { MaxWorkers = maxWorkers, Name = name + "-" + Guid.NewGuid().ToString("N") });

    [Fact]
    public async Task Instance_methods_keep_their_state_in_the_host_while_the_plugin_runs_in_a_worker()
    {
        var store = new TenantStore();
        await using IsolatedPluginPool pool = Pool("kv", store.GetIsolatedHostFunctions());
        Assert.Equal("k=1", pool.Call("bump", "k"));
        Assert.Equal("k=2", await pool.CallAsync("bump", "k"));
        Assert.Equal("2", store["k"]); // the host's object, not a copy in the worker
    }

    [Fact]
    public void Numbers_of_every_wasm_type_cross_two_process_boundaries()
    {
        using IsolatedPluginPool pool = Pool("host_types", Numbers.GetIsolatedHostFunctions());
        Assert.Equal(uint.MaxValue, BitConverter.ToUInt32(pool.Call("call_i32", BitConverter.GetBytes(uint.MaxValue - 1))));
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(pool.Call("call_i64", BitConverter.GetBytes(ulong.MaxValue - 1))));
        Assert.Equal(3.0f, BitConverter.ToSingle(pool.Call("call_f32", BitConverter.GetBytes(1.5f))));
        Assert.Equal(-5.0, BitConverter.ToDouble(pool.Call("call_f64", BitConverter.GetBytes(-2.5))));
        byte[] mix = [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(10_000_000_000L), .. BitConverter.GetBytes(0.5f), .. BitConverter.GetBytes(0.25)];
        Assert.Equal(9999999993.75, BitConverter.ToDouble(pool.Call("call_mix", mix)));
    }

    [Fact]
    public void A_RemotePlugin_method_reads_bytes_and_sees_the_call_host_context()
    {
        using IsolatedPluginPool pool = Pool("host_bytes", RemoteTransform.GetIsolatedHostFunctions());
        Assert.Equal("olleh", Encoding.UTF8.GetString(pool.Call("call_transform", "hello"u8)));
        Assert.Equal("ctx:olleh", Encoding.UTF8.GetString(pool.Call("call_transform", "hello"u8, hostContext: "ctx:")));
    }

    [Fact]
    public void Namespaces_from_the_attribute_reach_the_worker()
    {
        using IsolatedPluginPool pool = Pool("host_ns", HostFunctionTests.Answers.GetIsolatedHostFunctions());
        Assert.Equal(42L, BitConverter.ToInt64(pool.Call("call_answer", [])));
    }

    [Fact]
    public void JSON_results_of_XTP_imports_are_written_into_the_worker()
    {
        var imports = new KitchenImports();
        using IsolatedPluginPool pool = Pool("kitchen", imports.GetIsolatedHostFunctions());
        byte[] json = pool.Call("askHost", "from the host"u8);
        Assert.Equal(JsonSerializer.Serialize(XtpTests.Sample("from the host"), KitchenJsonContext.Default.Everything),
            JsonSerializer.Serialize(JsonSerializer.Deserialize(json, KitchenJsonContext.Default.Everything), KitchenJsonContext.Default.Everything));
        Assert.Equal(1, imports.Calls);
    }

    [Fact]
    public void A_throwing_generated_function_fails_the_call_with_the_exception_inside_and_the_worker_serves_on()
    {
        using IsolatedPluginPool pool = Pool("kv", new HostFunctionTests.Failing().GetIsolatedHostFunctions());
        ExtismException e = Assert.ThrowsAny<ExtismException>(() => pool.Call("bump", "x"));
        Assert.IsNotType<ExtismWorkerException>(e);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal("no reads today", e.InnerException!.Message);
        Assert.ThrowsAny<ExtismException>(() => pool.Call("bump", "y"));
        Assert.Equal(1, pool.Count); // the same worker, not a replacement
    }
}

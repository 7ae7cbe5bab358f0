using Extism.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>Keyed pools, host functions from services, and the pool's lifetime in the host.</summary>
public class DependencyInjectionTests
{
    /// <summary>A singleton the host function uses: counts what the plug-in asked for.</summary>
    private sealed class Counter
    {
        private long _calls;
        internal long Calls => Interlocked.Read(ref _calls);
        internal long AddOne(long x)
        {
            Interlocked.Increment(ref _calls);
            return x + 1;
        }
    }

    private static IHost Build(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        configure(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task HostFunctionsComeFromServices()
    {
        using IHost host = Build(services =>
        {
            services.AddSingleton<Counter>();
            services.AddExtismPlugin("loop", o => o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("host_loop"))))
                .AddHostFunctions(sp =>
                {
                    var counter = sp.GetRequiredService<Counter>();
                    return [HostFunction.FromMethod<long, long>("add_one", null, (_, x) => counter.AddOne(x))];
                });
        });
        await host.StartAsync();
        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("loop");
        byte[] output = pool.Call("loop", BitConverter.GetBytes(25L));
        Assert.Equal(25, BitConverter.ToInt64(output));
        Assert.Equal(25, host.Services.GetRequiredService<Counter>().Calls);
        await host.StopAsync();
    }

    [Fact]
    public async Task EachNameResolvesToItsOwnSingletonPool()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.wat"), TestWasm.Answering("A"));
        File.WriteAllText(dir.File("b.wat"), TestWasm.Answering("B"));
        using IHost host = Build(services =>
        {
            services.AddExtismPlugin("a", o => o.Manifest = new Manifest(new PathWasmSource(dir.File("a.wat"))));
            services.AddExtismPlugin("b", o => o.Manifest = new Manifest(new PathWasmSource(dir.File("b.wat"))));
        });
        await host.StartAsync();
        PluginPool a = host.Services.GetRequiredKeyedService<PluginPool>("a");
        PluginPool b = host.Services.GetRequiredKeyedService<PluginPool>("b");
        Assert.NotSame(a, b);
        Assert.Same(a, host.Services.GetRequiredKeyedService<PluginPool>("a"));
        Assert.Equal("A", a.Call("count_vowels", ""));
        Assert.Equal("B", b.Call("count_vowels", ""));
        Assert.Null(host.Services.GetKeyedService<PluginPool>("c"));
        await host.StopAsync();
    }

    [Fact]
    public async Task APluginThatDoesNotCompileStopsTheStart()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.wasm"), "not wasm");
        using IHost host = Build(services => services.AddExtismPlugin("bad", o => o.Manifest = new Manifest(new PathWasmSource(dir.File("bad.wasm")))));
        await Assert.ThrowsAsync<ExtismException>(() => host.StartAsync());
    }

    [Fact]
    public async Task StoppingTheHostCancelsCallsThatOutliveTheShutdownTimeout()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddExtismPlugin("spin", o =>
        {
            o.Manifest = new Manifest(new PathWasmSource(TestWasm.PathOf("outcomes")));
            o.FuelLimit = 20_000_000_000; // a backstop, should a cancel be lost in libextism's start-of-call race
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        PluginPool pool = host.Services.GetRequiredKeyedService<PluginPool>("spin");
        Task<byte[]> spinning = pool.CallAsync("spin", ReadOnlyMemory<byte>.Empty);
        await Wait.Until(() => pool.InUse == 1, "the call to start");
        await host.StopAsync();
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => spinning.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(e is OperationCanceledException, e.ToString());
    }
}

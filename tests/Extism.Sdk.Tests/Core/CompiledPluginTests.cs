using Xunit;

namespace Extism.Sdk.Tests.Core;

[Collection(LeakCheckedCollection.Name)]
public class CompiledPluginTests : IClassFixture<LeakCheck>
{
    [Fact]
    public void InstantiatesManyTimesFromManyThreads()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("count_vowels"), [], withWasi: false);
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using Plugin plugin = compiled.Instantiate();
            Assert.Contains("\"count\":2", plugin.Call("count_vowels", "ae"));
        });
    }

    [Fact]
    public void InstancesHaveTheirOwnState()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("config_vars"), [], withWasi: false);
        using Plugin a = compiled.Instantiate();
        using Plugin b = compiled.Instantiate();
        a.Call("var_count", []);
        Assert.Equal(2UL, BitConverter.ToUInt64(a.Call("var_count", [])));
        Assert.Equal(1UL, BitConverter.ToUInt64(b.Call("var_count", [])));
        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public void InstancesOutliveTheCompiledPlugin()
    {
        var compiled = new CompiledPlugin(TestPlugins.Bytes("echo"), [], withWasi: false);
        using Plugin plugin = compiled.Instantiate();
        compiled.Dispose();
        compiled.Dispose();
        Assert.Equal("still", plugin.Call("echo", "still"));
        Assert.Throws<ObjectDisposedException>(() => compiled.Instantiate());
    }

    [Fact]
    public void FuelLimitAppliesToEveryInstance()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("outcomes"), [], new PluginInitializationOptions { FuelLimit = 100_000 });
        using Plugin plugin = compiled.Instantiate();
        Assert.Throws<ExtismFuelExhaustedException>(() => plugin.Call("spin", []).ToArray());
    }

    [Fact]
    public void LinkErrorsSurfaceAtInstantiate()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_loop"), [], withWasi: false);
        var e = Assert.Throws<ExtismException>(() => compiled.Instantiate());
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("add_one", e.Message);
    }
}

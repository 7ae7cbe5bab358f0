using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>
/// What the cheaper Instantiate path (issue 23's budget) must keep: an instance of a compiled
/// plug-in heals from the compiled code after the CompiledPlugin is disposed (the instance's own
/// source holds the reference; no lock orders a replacement against that source's Dispose any
/// more), with and without a manifest timeout (the latter creates on a worker thread, which takes
/// a reference of its own); and the bounds record of plug-in memory is made on first use only,
/// yet a call's output is still checked.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class InstantiatePathTests : IClassFixture<LeakCheck>
{
    private static readonly byte[] NoWork = BitConverter.GetBytes(0UL);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnInstanceHealsAfterItsCompiledPluginIsDisposed(bool manifestTimeout)
    {
        Manifest manifest = TestPlugins.Manifest("outcomes");
        if (manifestTimeout) manifest.Timeout = TimeSpan.FromSeconds(30);
        Plugin plugin;
        using (var compiled = new CompiledPlugin(manifest, [], withWasi: false))
        {
            plugin = compiled.Instantiate();
        }
        using (plugin)
        {
            for (int round = 1; round <= 3; round++)
            {
                Assert.Throws<ExtismTrapException>(() => plugin.Call("trap", []).ToArray());
                Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", NoWork)));
                Assert.Equal(round, plugin.RecycleCount);
            }
        }
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("busy", NoWork).ToArray());
    }

    [Fact]
    public void DisposingTheLastInstanceAfterTheCompiledPluginLeavesNothingBehind()
    {
        // LeakCheck (the fixture) fails the class if the compiled code outlives its last holder.
        var compiled = new CompiledPlugin(TestPlugins.Manifest("outcomes"), [], withWasi: false);
        Plugin a = compiled.Instantiate();
        Plugin b = compiled.Instantiate();
        compiled.Dispose();
        Assert.Throws<ObjectDisposedException>(() => compiled.Instantiate());
        Assert.Throws<ExtismTrapException>(() => a.Call("trap", []).ToArray());
        a.Dispose();
        Assert.Equal("done", Encoding.UTF8.GetString(b.Call("busy", NoWork)));
        b.Dispose();
    }

    [Fact]
    public void TheMemoryRecordIsMadeByTheFirstCheckOnly()
    {
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("echo"), [], withWasi: false);
        using Plugin plugin = compiled.Instantiate();
        Assert.Empty(plugin.Call("noop", []).ToArray());
        Assert.Null(plugin.CurrentInstance.MemoryIfMade); // no output, no host call: nothing was checked
        Assert.Equal("abc", Encoding.UTF8.GetString(plugin.Call("echo", "abc"u8)));
        Assert.NotNull(plugin.CurrentInstance.MemoryIfMade); // the output was checked against the memory
    }
}

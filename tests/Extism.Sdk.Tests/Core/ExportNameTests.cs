using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>
/// A plug-in remembers the UTF-8 of the first few export names it is called with (so a call in
/// the steady state encodes nothing). These pin that the cache never changes what is called.
/// </summary>
public class ExportNameTests
{
    [Fact]
    public void MoreNamesThanTheCacheHoldsAllReachTheirOwnExport()
    {
        using var plugin = TestPlugins.Load("outcomes");
        // Six distinct exports (the cache keeps four), each called twice, in an order that makes
        // cached and uncached names alternate.
        string[] missing = ["no_such_1", "no_such_2", "no_such_3", "no_such_4", "no_such_5", "no_such_6"];
        for (int round = 0; round < 2; round++)
        {
            foreach (string name in missing)
            {
                var e = Assert.Throws<ExtismException>(() => plugin.Call(name, []));
                Assert.Equal(ExtismErrorKind.FunctionNotFound, e.Kind);
                Assert.Contains(name, e.Message);
            }
            Assert.Equal(4, plugin.Call("non_utf8", []).Length);
        }
    }

    [Fact]
    public void InstancesOfOneCompiledPluginShareTheEncodedNames()
    {
        // A pool or a per-request instance calls the same exports as its siblings: only the first
        // instance encodes the name. The first call on the second instance allocates nothing.
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("echo"), [], withWasi: false);
        using (Plugin first = compiled.Instantiate()) first.Call("noop", ReadOnlySpan<byte>.Empty);
        using Plugin second = compiled.Instantiate();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int length = second.Call("noop", ReadOnlySpan<byte>.Empty).Length;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, length);
        Assert.Equal(0, allocated);
        // And a plug-in of its own still encodes (and caches) for itself.
        using Plugin own = TestPlugins.Load("echo");
        before = GC.GetAllocatedBytesForCurrentThread();
        own.Call("noop", ReadOnlySpan<byte>.Empty);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before > 0, "a plug-in of its own shares no cache: its first call encodes the name");
    }

    [Fact]
    public void AnEqualNameBuiltAtRunTimeFindsTheSameExport()
    {
        using var plugin = TestPlugins.Load("echo");
        Assert.Equal("a", Encoding.UTF8.GetString(plugin.Call("echo", "a"u8)));
        string built = new StringBuilder("ec").Append("ho").ToString(); // equal, not the same instance
        Assert.False(ReferenceEquals(built, "echo"));
        Assert.Equal("b", Encoding.UTF8.GetString(plugin.Call(built, "b"u8)));
    }

    [Fact]
    public void InvalidNamesAreStillRefusedAfterValidOnesWereCached()
    {
        using var plugin = TestPlugins.Load("echo");
        plugin.Call("echo", "x"u8);
        Assert.Throws<ArgumentException>(() => plugin.Call("echo\0", "x"u8));
        Assert.Throws<ArgumentException>(() => plugin.Call("", "x"u8));
        Assert.ThrowsAny<ArgumentException>(() => plugin.Call((string)null!, "x"u8));
        Assert.Equal("y", Encoding.UTF8.GetString(plugin.Call("echo", "y"u8)));
    }
}

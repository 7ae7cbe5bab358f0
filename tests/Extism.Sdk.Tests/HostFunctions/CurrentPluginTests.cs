using System.Text;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>CurrentPlugin's members, used from inside host functions, and the per-call host context.</summary>
public class CurrentPluginTests
{
    /// <summary>Loads host_bytes with a raw (i64) -> i64 transform.</summary>
    private static Plugin HostBytes(ExtismFunction body, object? userData = null, Manifest? manifest = null)
    {
        var f = new HostFunction("transform", [ExtismValType.I64], [ExtismValType.I64], userData, body);
        return manifest is null ? TestPlugins.Load("host_bytes", false, f) : new Plugin(manifest, [f], false);
    }

    [Fact]
    public void ReadsTheArgumentBlockInPlace()
    {
        long length = -1, memory = 0;
        string? text = null, latin1 = null;
        byte[]? bytes = null;
        using Plugin plugin = HostBytes((p, i, o) =>
        {
            long offset = i[0].v.i64;
            length = p.BlockLength(offset);
            memory = p.GetMemory();
            bytes = p.ReadBytes(offset).ToArray();
            text = p.ReadString(offset);
            latin1 = p.ReadString(offset, Encoding.Latin1);
            o[0].v.i64 = 0;
        });
        Assert.Empty(plugin.Call("call_transform", "grüß"));
        Assert.Equal(Encoding.UTF8.GetByteCount("grüß"), length);
        Assert.NotEqual(0, memory);
        Assert.Equal(Encoding.UTF8.GetBytes("grüß"), bytes);
        Assert.Equal("grüß", text);
        Assert.Equal(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("grüß")), latin1);
    }

    [Fact]
    public void OffsetZeroReadsAsEmptyAndBadOffsetsThrow()
    {
        var results = new List<object>();
        using Plugin plugin = HostBytes((p, i, o) =>
        {
            results.Add(p.ReadBytes(0).Length);
            results.Add(p.ReadString(0));
            results.Add(p.BlockLength(0));
            results.Add(i[0].v.i64); // empty input: the guest passes 0
            Assert.Throws<ArgumentException>(() => p.ReadBytes(123_456_789));
            o[0].v.i64 = 0;
        });
        plugin.Call("call_transform", ReadOnlySpan<byte>.Empty);
        Assert.Equal(new object[] { 0, "", 0L, 0L }, results);
    }

    [Fact]
    public void WritesNewBlocksThePluginReturnsAsOutput()
    {
        using Plugin strings = HostBytes((p, _, o) => o[0].v.i64 = p.WriteString("ünïcode ✓"));
        using Plugin utf16 = HostBytes((p, _, o) => o[0].v.i64 = p.WriteString("ab", Encoding.Unicode));
        using Plugin bytes = HostBytes((p, _, o) => o[0].v.i64 = p.WriteBytes(new byte[] { 1, 2, 3 }.AsSpan()));
        using Plugin empty = HostBytes((p, _, o) => o[0].v.i64 = p.WriteString("") + p.WriteBytes(Span<byte>.Empty));
        Assert.Equal("ünïcode ✓", strings.Call("call_transform", ""));
        Assert.Equal(new byte[] { (byte)'a', 0, (byte)'b', 0 }, utf16.Call("call_transform", ""u8).ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, bytes.Call("call_transform", ""u8).ToArray());
        Assert.Empty(empty.Call("call_transform", "x"u8).ToArray());
    }

    [Fact]
    public void AllocatesFillsAndFreesBlocks()
    {
        long allocatedLength = 0, freedLength = -1, zero = -1;
        using Plugin plugin = HostBytes((p, i, o) =>
        {
            long block = p.AllocateBlock(5);
            allocatedLength = p.BlockLength(block);
            p.WriteBytes(block, "hello"u8.ToArray().AsSpan());
            Assert.Throws<ArgumentException>(() => p.WriteBytes(block, new byte[6].AsSpan())); // too long for the block
            Assert.Throws<ArgumentOutOfRangeException>(() => p.AllocateBlock(-1));
            zero = p.AllocateBlock(0);
            long scratch = p.AllocateBlock(64);
            p.FreeBlock(scratch);
            freedLength = p.BlockLength(scratch);
            p.FreeBlock(0); // ignored
            o[0].v.i64 = block;
        });
        Assert.Equal("hello", plugin.Call("call_transform", "ignored"));
        Assert.Equal(5, allocatedLength);
        Assert.Equal(0, freedLength);
        Assert.Equal(0, zero);
    }

    [Fact]
    public void FailedAllocationIsAnExceptionThatFailsTheCall()
    {
        var manifest = TestPlugins.Manifest("host_bytes");
        manifest.MemoryOptions = new MemoryOptions { MaxPages = 4 };
        using Plugin plugin = HostBytes((p, _, o) => o[0].v.i64 = p.AllocateBlock(64L << 20), manifest: manifest);
        var e = Assert.Throws<ExtismException>(() => plugin.Call("call_transform", "x"));
        Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
        var inner = Assert.IsAssignableFrom<ExtismException>(e.InnerException);
        Assert.Equal(ExtismErrorKind.OutOfMemory, inner.Kind);
    }

    [Fact]
    public void UserDataComesBackTypedAndAsALegacyPointer()
    {
        var seen = new List<object?>();
        ExtismFunction body = (p, _, o) =>
        {
            seen.Add(p.GetUserData<string>());
            seen.Add(p.GetUserData<Uri>()); // wrong type: default
#pragma warning disable CS0618 // the obsolete member is what old code used
            seen.Add(p.UserData);
#pragma warning restore CS0618
            o[0].v.i64 = 0;
        };
        using (Plugin text = HostBytes(body, "data")) text.Call("call_transform", "");
        using (Plugin pointer = HostBytes(body, (nint)0x1234)) pointer.Call("call_transform", "");
        Assert.Equal(new object?[] { "data", null, (nint)0, null, null, (nint)0x1234 }, seen);
    }

    [Fact]
    public void HostContextIsDeliveredForThatCallOnly()
    {
        var seen = new List<object?>();
        using Plugin plugin = HostBytes((p, _, o) =>
        {
            seen.Add(p.GetCallHostContext<StringBuilder>()?.Append('!').ToString());
            seen.Add(p.GetCallHostContext<int>());
            o[0].v.i64 = 0;
        });
        var context = new StringBuilder("ctx");
        plugin.CallWithHostContext("call_transform", "a"u8, context);
        plugin.Call("call_transform", "b"u8); // no context: null / default
        plugin.CallWithHostContext("call_transform", "c"u8, 42); // a boxed value type
        plugin.CallWithHostContext<StringBuilder?>("call_transform", "d"u8, null);
        Assert.Equal(new object?[] { "ctx!", 0, null, 0, null, 42, null, 0 }, seen);
        Assert.Equal("ctx!", context.ToString());
    }

    [Fact]
    public void NestedCallsEachSeeTheirOwnHostContext()
    {
        var seen = new List<string?>();
        using var inner = HostFunction.ForStrings("transform", null, (p, t) => { seen.Add(p.GetCallHostContext<string>()); return t; });
        using Plugin b = TestPlugins.Load("host_bytes", false, inner);
        using var outer = HostFunction.ForStrings("transform", null, (p, t) =>
        {
            seen.Add(p.GetCallHostContext<string>());
            string r = Encoding.UTF8.GetString(b.CallWithHostContext("call_transform", Encoding.UTF8.GetBytes(t), "inner"));
            seen.Add(p.GetCallHostContext<string>()); // the outer call's context again
            return r;
        });
        using Plugin a = TestPlugins.Load("host_bytes", false, outer);
        Assert.Equal("x", Encoding.UTF8.GetString(a.CallWithHostContext("call_transform", "x"u8, "outer")));
        Assert.Equal(new[] { "outer", "inner", "outer" }, seen);
    }
}

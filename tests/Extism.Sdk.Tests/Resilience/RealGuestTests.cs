using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// The same failure on guests built by real PDKs with their normal stack sizes: this repository's
/// kv.wasm (AssemblyScript, @extism/as-pdk, asc's 32 KiB shadow stack) and the Extism runtime's
/// own test plug-in code-functions.wasm (C PDK, clang 16, 64 KiB stack; tests/plugins/upstream).
/// On the starting code kv.wasm broke after 1,168 failed host calls and code-functions.wasm after
/// about 460 (issue #16): the counts here are well past both.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class RealGuestTests : IClassFixture<LeakCheck>
{
    [Fact]
    public void KvSurvivesManyFailedHostCalls()
    {
        bool fail = true;
        using var read = HostFunction.FromMethod<long, long>("kv_read", null, (_, _) => fail ? throw new TimeoutException("database timeout") : 0);
        using var write = HostFunction.FromMethod<long, long>("kv_write", null, (_, _, _) => { });
        using Plugin plugin = TestPlugins.Load("kv", false, read, write);
        for (int i = 1; i <= 2_000; i++)
        {
            Exception? e = Record.Exception(() => plugin.Call("bump", "key"u8));
            Assert.True(e is ExtismException { Kind: ExtismErrorKind.HostFunction, InnerException: TimeoutException }, $"call {i}: {(e is null ? "no exception" : FailureMatrix.Describe(e))}");
        }
        fail = false;
        Assert.Equal("key=1", Encoding.UTF8.GetString(plugin.Call("bump", "key"u8)));
    }

    [Fact]
    public void UpstreamCodeFunctionsSurvivesManyFailedHostCalls()
    {
        bool fail = false;
        using var hello = HostFunction.FromMethod<long, long>("hello_world", null, (_, block) => fail ? throw new TimeoutException("database timeout") : block);
        using var plugin = new Plugin(File.ReadAllBytes(Path.Combine(TestPlugins.Directory, "upstream", "code-functions.wasm")), [hello], withWasi: true);
        string healthy = Encoding.UTF8.GetString(plugin.Call("count_vowels", "aeiou xyz"u8));
        fail = true;
        for (int i = 1; i <= 1_000; i++)
        {
            Exception? e = Record.Exception(() => plugin.Call("count_vowels", "aeiou xyz"u8));
            Assert.True(e is ExtismException { Kind: ExtismErrorKind.HostFunction, InnerException: TimeoutException }, $"call {i}: {(e is null ? "no exception" : FailureMatrix.Describe(e))}");
        }
        fail = false;
        Assert.Equal(healthy, Encoding.UTF8.GetString(plugin.Call("count_vowels", "aeiou xyz"u8)));
    }
}

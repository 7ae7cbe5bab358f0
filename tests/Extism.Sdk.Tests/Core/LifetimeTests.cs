using Xunit;

namespace Extism.Sdk.Tests.Core;

[Collection(LeakCheckedCollection.Name)]
public class LifetimeTests : IClassFixture<LeakCheck>
{
    [Fact]
    public void DisposeTwiceIsHarmless()
    {
        var plugin = TestPlugins.Load("echo");
        plugin.Dispose();
        plugin.Dispose();
    }

    [Fact]
    public void EveryMemberAfterDisposeThrowsObjectDisposed()
    {
        var plugin = TestPlugins.Load("echo");
        plugin.Dispose();
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("echo", "x"u8).ToArray());
        Assert.Throws<ObjectDisposedException>(() => plugin.Call("echo", "x"));
        Assert.Throws<ObjectDisposedException>(() => plugin.FunctionExists("echo"));
        Assert.Throws<ObjectDisposedException>(() => plugin.Reset());
        Assert.Throws<ObjectDisposedException>(() => plugin.UpdateConfig("{}"u8));
        Assert.Throws<ObjectDisposedException>(() => plugin.AllowHttpResponseHeaders());
        Assert.False(plugin.Cancel());
        Assert.NotEqual(Guid.Empty, plugin.Id);
    }

    [Fact]
    public void DisposeRacingACallLetsTheCallFinish()
    {
        for (int i = 0; i < 20; i++)
        {
            var plugin = TestPlugins.Load("outcomes");
            using var started = new ManualResetEventSlim();
            var call = Task.Run(() =>
            {
                started.Set();
                return plugin.Call("busy", BitConverter.GetBytes(2_000_000UL)).ToArray();
            });
            started.Wait();
            Thread.Sleep(i % 3);
            plugin.Dispose();
            try
            {
                Assert.Equal("done"u8.ToArray(), call.GetAwaiter().GetResult());
            }
            catch (ObjectDisposedException)
            {
                // Disposed before the call took the plug-in: refused cleanly, never a crash.
            }
        }
    }

    [Fact]
    public void IdIsTheRuntimeUuidAndDiffersPerInstance()
    {
        using var a = TestPlugins.Load("echo");
        using var b = TestPlugins.Load("echo");
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(a.Id, a.Id);
        Assert.Equal(4, (a.Id.ToByteArray(bigEndian: true)[6] >> 4)); // a version-4 UUID in RFC order
    }

    [Fact]
    public void ResetDropsTheOutputAndThePluginGoesOn()
    {
        using var plugin = TestPlugins.Load("echo");
        plugin.Call("echo", new byte[1 << 20]);
        Assert.True(plugin.Reset());
        Assert.Equal("again", plugin.Call("echo", "again"));
    }

    [Fact]
    public void ExtismVersionIsTheLoadedLibrarys()
    {
        Assert.Equal(ExtismRuntime.Version, Plugin.ExtismVersion());
        Assert.Matches(@"^\d+\.\d+\.\d+", Plugin.ExtismVersion());
        Assert.True(File.Exists(ExtismRuntime.LibraryPath));
        // Worked out here from the OS and architecture, so the test holds on every RID the
        // suite runs on (linux-x64 natively, win-x64 under Wine, linux-arm64 under qemu).
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx"
            : System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal) ? "linux-musl" : "linux";
        string arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        Assert.Equal($"{os}-{arch}", ExtismRuntime.RuntimeIdentifier);
    }
}

using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// The bounds checks of plug-in memory (GuestMemory) ask the operating system only when a range
/// goes past what is already known: never per host call or per call in the steady state. The
/// attacks themselves are in tests/Extism.Sdk.Hostile.Tests (each needs its own process).
/// </summary>
public class GuestMemoryTests
{
    [Fact]
    public void TheSteadyStateAsksTheOperatingSystemNothing()
    {
        using var f = HostFunction.ForBytes("transform", null, static (_, input) => input);
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        byte[] input = new byte[4096];
        for (int i = 0; i < 10; i++) plugin.Call("call_transform", input); // learns base and extent
        long before = MemoryProbe.Queries;
        for (int i = 0; i < 1000; i++) Assert.Equal(input.Length, plugin.Call("call_transform", input).Length);
        Assert.Equal(0, MemoryProbe.Queries - before);
    }

    [Fact]
    public void AGrowingMemoryIsAskedAboutOncePerGrowthNotPerHostCall()
    {
        using var f = HostFunction.ForBytes("transform", null, static (_, input) => input);
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        long before = MemoryProbe.Queries;
        // 200 calls whose blocks grow by 64 KiB each time: the memory grows with them.
        for (int i = 1; i <= 200; i++) Assert.Equal(i << 16, plugin.Call("call_transform", new byte[i << 16]).Length);
        long asked = MemoryProbe.Queries - before;
        Assert.True(asked <= 2 * 200 + 2, $"{asked} queries for 200 calls");
    }

    [Fact]
    public void TheProbeInUseWorksOnThisMachine()
    {
        Assert.NotEqual("none", MemoryProbe.Method);
        if (OperatingSystem.IsLinux()) Assert.Equal("process_vm_readv", MemoryProbe.Method);
    }
}

/// <summary>libextism replaces the store at the call after _start: the SDK forgets the memory it knew, after reading _start's own output.</summary>
public class GuestMemoryStoreReplacementTests
{
    [Fact]
    public unsafe void A_startCallForgetsTheMemoryAfterItsOutput()
    {
        using Plugin plugin = TestPlugins.Load("command", withWasi: true);
        Assert.Equal("hello from _start", System.Text.Encoding.UTF8.GetString(plugin.Call("_start", [])));
        Assert.True(plugin.CurrentInstance.Memory.Base is null, "the memory's base outlived the _start call");
        Assert.Equal("hello from _start", System.Text.Encoding.UTF8.GetString(plugin.Call("_start", [])));
    }
}

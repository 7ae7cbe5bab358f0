using System.Runtime.InteropServices;
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
    public void TheProbeInUseWorksOnThisMachine() => Assert.NotEqual("none", MemoryProbe.Method);

    // Public: xunit reads it for SkipUnless (a declared skip throws nothing, see LoaderTests).
    // qemu-user (linux-arm64 in CI, build/test-emulated.sh) implements no process_vm_readv: the
    // call answers ENOSYS and the probe rightly falls back to the pipe. Any other refusal (EPERM
    // from seccomp, say) leaves the test to run and fail: that is a machine the fast path misses.
    public static bool ProcessVmReadvIsImplemented => OperatingSystem.IsLinux() && !LinuxCalls.ProcessVmReadvAnswersEnosys();

    [Fact(Skip = "Linux only, and process_vm_readv answers ENOSYS here (qemu-user implements no such call): the pipe probe is in use, which TheProbeInUseWorksOnThisMachine checks",
        SkipUnless = nameof(ProcessVmReadvIsImplemented))]
    public void OnLinuxTheProbeIsProcessVmReadv() => Assert.Equal("process_vm_readv", MemoryProbe.Method);
}

/// <summary>Asks the C library directly, beside the SDK's own probe, so the skip above does not trust the code it tests.</summary>
internal static unsafe partial class LinuxCalls
{
    private const int Enosys = 38; // the same on x86-64 and arm64 (asm-generic)

    private struct IoVec
    {
        public nuint Base;
        public nuint Length;
    }

    // "libc" is mapped by the runtime to the C library itself (libc.so.6 on glibc), not to a dev symlink.
    [LibraryImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    private static partial nint ProcessVmReadv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    /// <summary>Reads one byte of this process's own stack into another: true only when the call itself is missing.</summary>
    internal static bool ProcessVmReadvAnswersEnosys()
    {
        byte source = 1, sink = 0;
        IoVec local = new() { Base = (nuint)(&sink), Length = 1 };
        IoVec remote = new() { Base = (nuint)(&source), Length = 1 };
        return ProcessVmReadv(Environment.ProcessId, &local, 1, &remote, 1, 0) < 0 && Marshal.GetLastPInvokeError() == Enosys;
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

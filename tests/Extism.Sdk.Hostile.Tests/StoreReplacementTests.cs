using Xunit;

namespace Extism.Sdk.Hostile.Tests;

/// <summary>
/// The SDK remembers how much of a plug-in's memory is known to be good. libextism replaces the
/// store, and with it the memory (new, smaller, possibly at the same address), at the call after
/// a _start call: what was known must not outlive it. Also pins when libextism replaces the store,
/// which the SDK's GuestMemory relies on.
/// </summary>
public class StoreReplacementTests
{
    private const string Grow32MiB = "grow:33554432:0", Start32MiB = "_start:33554432:0";

    // mem_size's output: the kernel memory's size in bytes.
    private static ulong Size(string line) => ulong.Parse(line[(line.LastIndexOf(' ') + 1)..]);

    [Fact]
    public void AfterAStoreReplacement_AForgedLengthWithinTheOldMemoryFails()
        => Expect.Calls([Start32MiB, "forge_call:16777216:6", "forge_call:16777216:5"], "ok 0", Expect.HostArgument, Expect.HostArgument);

    [Fact]
    public void AfterAStoreReplacement_AForgedOutputWithinTheOldMemoryFails()
        => Expect.Calls([Start32MiB, "out_len:16777216:0"], "ok 0", Expect.InvalidOutput);

    // With no host call to tell the new memory's base, the output alone must locate it.
    [Fact]
    public void AfterAStoreReplacement_AnOutputWithoutHostCallsIsRead()
        => Expect.Calls([Start32MiB, "hello:0:0", Start32MiB, "hello:0:0", "out_len:0:0"], "ok 0", "ok 5 hello", "ok 0", "ok 5 hello", Expect.InvalidOutput);

    [Fact]
    public void LibextismReplacesTheStoreAfter_start_AndNotOtherwise()
    {
        // 300 calls on a grown memory: still the same store (the memory keeps its size).
        string[] calls = [Grow32MiB, .. Enumerable.Repeat("mem_size:0:0", 300), Start32MiB, "mem_size:0:0"];
        ChildResult result = Expect.Calls(calls);
        ulong grown = Size(result.Calls[1]);
        Assert.True(grown > 32UL << 20, result.Calls[1]);
        for (int i = 1; i <= 300; i++) Assert.True(Size(result.Calls[i]) == grown, $"call {i}: the store was replaced without a _start call ({result.Calls[i]}); GuestMemory's known extent assumes it is not (docs/ARCHITECTURE.md)");
        Assert.True(Size(result.Calls[^1]) < grown, $"after _start the memory kept its size ({result.Calls[^1]}): libextism no longer replaces the store then");
    }

    // The portable probe (macOS's) run on this machine: the same attacks, the same answers.
    [Fact]
    public void ThePipeProbeGivesTheSameAnswers()
    {
        ChildResult result = Expect.Calls(["--pipe-probe", "hello:0:0", "forge_call:0:1", "out_len:0:0", "alloc_forge:0:7", Grow32MiB, Start32MiB, "forge_call:16777216:6"],
            "ok 5 hello", Expect.HostArgument, Expect.InvalidOutput, Expect.HostAllocator, "ok 0", "ok 0", Expect.HostArgument);
        Assert.Contains("probe: pipe", result.Output);
    }
}

using Xunit;

namespace Extism.Sdk.Hostile.Tests;

/// <summary>
/// The call's output length, kept by the kernel inside the plug-in's memory (root offset 57), is
/// rewritten by the guest. Plugin.Call must fail with ExtismException(InvalidOutput), never read
/// outside the plug-in's memory, never throw OutOfMemoryException or OverflowException.
/// </summary>
public class OutputAttackTests
{
    [Theory]
    [InlineData(0UL)]                     // one byte past the end of the memory
    [InlineData(16UL << 20)]              // 16 MiB
    [InlineData((1UL << 31) - 16)]        // 2 GiB - 16 (unfixed: OutOfMemoryException)
    [InlineData(1UL << 31)]               // 2 GiB, past a span
    [InlineData(1UL << 32)]               // 4 GiB
    [InlineData(1UL << 63)]
    [InlineData(ulong.MaxValue)]
    public void AForgedOutputLengthFailsTheCall(ulong length)
        => Expect.Attack($"out_len:{length}:0", Expect.InvalidOutput);

    // The output set through the kernel's own output_set to a block whose header is forged: the
    // kernel refuses a range past its (unforgeable) count and the output stays empty; should a
    // kernel accept it, the SDK must still refuse it.
    [Theory]
    [InlineData(0UL)]
    [InlineData(16UL << 20)]
    public void AnOutputInAForgedBlockIsRefused(ulong claimed)
    {
        ChildResult result = Expect.Calls([$"out_forged_block:{claimed}:0"]);
        Assert.True(result.Calls[0] == "call out_forged_block: ok 0" || result.Calls[0].StartsWith("call out_forged_block: " + Expect.InvalidOutput, StringComparison.Ordinal), result.Output);
    }

    // An invalid output poisons the instance; the next call runs on a fresh one and works.
    [Fact]
    public void TheNextCallAfterAnInvalidOutputWorks()
        => Expect.Calls(["out_len:0:0", "hello:0:0"], Expect.InvalidOutput, "ok 5 hello");
}

using Xunit;

namespace Extism.Sdk.Hostile.Tests;

/// <summary>
/// A block whose header (inside the plug-in's memory) claims more bytes than the memory holds,
/// handed to every kind of host function the SDK offers. Each must fail the call as
/// ExtismException(HostFunction) with an ArgumentException inside, never touch memory outside
/// the plug-in's, and never end the process. Unfixed (before GuestMemory), each ended the process.
/// </summary>
public class HostFunctionAttackTests
{
    // hostile.wat's selectors.
    private const int Strings = 1, Bytes = 2, Json = 3, Generated = 4, Fill = 5, Read = 6;

    // Claimed lengths: 0 means one byte past the end of the memory; 16 MiB is the example;
    // then the edges of a span (2^31 - 1, 2^31) and the largest a block header can hold (2^32 - 1).
    public static TheoryData<int, ulong> Forged()
    {
        var data = new TheoryData<int, ulong>();
        foreach (int host in new[] { Strings, Bytes, Json, Generated, Fill, Read })
        {
            foreach (ulong length in new ulong[] { 0, 16 << 20, int.MaxValue, 1UL << 31, uint.MaxValue }) data.Add(host, length);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Forged))]
    public void AForgedBlockLengthFailsTheHostFunction(int host, ulong claimed)
        => Expect.Attack($"forge_call:{claimed}:{host}", Expect.HostArgument);

    // The kernel's allocator, led to hand out a block that runs past the end of the memory
    // (a freed block whose size header is forged), for a host function's result.
    [Theory]
    [InlineData(7)] // ForStrings result (CurrentPlugin.WriteString)
    [InlineData(8)] // ForBytes result (CopyResult)
    public void AForgedAllocatorFailsTheHostFunctionsResult(int host)
        => Expect.Attack($"alloc_forge:0:{host}", Expect.HostAllocator);

    // Regression cases that were already right: offsets that are not a live block.
    [Theory]
    [InlineData("bogus_call:0:5")]                       // 0 to a host function that writes the block
    [InlineData("bogus_call:4294967296:1")]              // 2^32
    [InlineData("bogus_call:4294967296:5")]
    [InlineData("bogus_call:18446744073709551615:1")]    // -1
    [InlineData("bogus_call:18446744073709551615:6")]
    [InlineData("bogus_call:9223372036854775808:1")]     // i64 min
    [InlineData("bogus_call:9223372036854775808:5")]
    [InlineData("end_call:0:1")]                          // 4 bytes before the end of the memory
    [InlineData("end_call:0:5")]
    [InlineData("freed_call:0:1")]                        // a freed block
    [InlineData("freed_call:0:5")]
    public void ABogusOffsetFailsTheHostFunction(string call) => Expect.Attack(call, Expect.HostArgument);

    // What must keep working: a 32 MiB block read whole (past every extent known before).
    [Fact]
    public void ALargeRealBlockIsStillRead() => Expect.Calls(["grow:33554432:0", "hello:0:0"], "ok 0", "ok 5 hello");
}

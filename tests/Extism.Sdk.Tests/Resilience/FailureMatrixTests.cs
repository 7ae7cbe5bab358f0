using Xunit;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// Many consecutive calls aborted mid-guest, then a normal call, for every failure kind, on a
/// plain plug-in, a compiled plug-in's instance and a pool. The guests keep their frames on a
/// small shadow stack (tests/plugins/README.md), so a plug-in that reused an instance after such
/// calls overflows it after a few dozen of them; the count here is several times that, and build/soak.sh runs 5,000 per cell.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class FailureMatrixTests(ITestOutputHelper output) : IClassFixture<LeakCheck>
{
    /// <summary>
    /// Failing calls per cell: about three times the point where an instance that is never
    /// replaced overflows (measured on the starting code: after 34 to 58 failures for the C guest,
    /// 12 to 31 for the AssemblyScript one, depending on the kind), yet cheap enough for CI.
    /// </summary>
    public const int Count = 100;

    public static TheoryData<MatrixGuest, FailureKind, MatrixHost> Cells()
    {
        var data = new TheoryData<MatrixGuest, FailureKind, MatrixHost>();
        foreach (MatrixGuest guest in Enum.GetValues<MatrixGuest>())
        {
            foreach (FailureKind kind in Enum.GetValues<FailureKind>())
            {
                if (!FailureMatrix.Applies(guest, kind)) continue;
                foreach (MatrixHost host in Enum.GetValues<MatrixHost>()) data.Add(guest, kind, host);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void ManyFailuresThenANormalCall(MatrixGuest guest, FailureKind kind, MatrixHost host)
    {
        MatrixOutcome outcome = FailureMatrix.Run(guest, kind, host, Count);
        output.WriteLine($"{guest} {kind} {host}: {outcome}");
        Assert.True(outcome.Passed, outcome.ToString());
        // Each aborted call gave the next operation a fresh instance, and the count shows it.
        if (host == MatrixHost.Pool) return;
        if (kind == FailureKind.ManifestTimeout && outcome.Lost > 0)
        {
            // A timeout libextism lost at a call's start (the call then ended by fuel) can still be
            // delivered late, to the next call, which the plug-in repeats once on a fresh instance
            // (LateCancel): one more recycle per lost timeout at most. Seen under Wine: 2 lost, 101.
            Assert.InRange(outcome.Recycles!.Value, Count, Count + outcome.Lost);
        }
        else
        {
            Assert.Equal(Count, outcome.Recycles);
        }
    }

    [Theory]
    [InlineData(MatrixHost.Plugin)]
    [InlineData(MatrixHost.CompiledInstance)]
    public void WithoutRecyclingTheGuestsBreakAsBefore(MatrixHost host)
    {
        // RecycleAfterFailure = false keeps the instance: the shadow stack overflows after a few
        // dozen failed host calls and every later call traps. This is what the matrix guards against.
        MatrixOutcome outcome = FailureMatrix.Run(MatrixGuest.C, FailureKind.HostFunctionThrows, host, Count, recycle: false);
        output.WriteLine($"C HostFunctionThrows {host} without recycling: {outcome}");
        Assert.InRange(outcome.Correct, 10, Count - 1);
        Assert.StartsWith("ExtismTrapException", outcome.NormalCall);
        Assert.Equal(0, outcome.Recycles);
    }
}

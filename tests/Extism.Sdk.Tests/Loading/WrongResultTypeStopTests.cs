using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.Loading;

/// <summary>
/// Pins the libextism behaviour that HostFunctionTrampolines.StopGuest rests on, per release in
/// the mirror: a host function that hands back a result of a different valid type than declared
/// makes wasmtime fail the call at that very host call (rc -1, no further guest code), while a
/// cancel (the only stop for a function without results) does not stop a guest that returns
/// before its next epoch check (rc 0). A libextism upgrade that changes either fails here, by
/// name, instead of silently letting guests run on after a failure.
/// </summary>
public class WrongResultTypeStopTests
{
    /// <summary>Read by xunit (SkipUnless): a declared skip throws nothing (see LoaderTests).</summary>
    public static bool HasMirrorForThisMachine => LoaderTests.HasMirrorForThisMachine;

    [Theory(Skip = "needs ../shared/libextism beside the clone, and runs on linux-x64 only: the mirror holds these releases for linux-x64 only", SkipUnless = nameof(HasMirrorForThisMachine))]
    [InlineData("1.41.0")]
    [InlineData("1.40.0")]
    [InlineData("1.12.0")]
    [InlineData("1.9.1")]
    public void AFailedHostFunctionStopsTheGuestAtOnce(string version)
    {
        string dir = ChildProcess.ExtractFromMirror(version);
        var result = ChildProcess.Run("host-stop", new Dictionary<string, string?> { ["EXTISM_LIB_PATH"] = dir });
        // host_loop's loop would call add_one 100 times: the wrong-type result ends it at the first.
        Assert.Equal("HostFunction rc=-1 calls=1", result["typed"][0]);
        // host_void's call_ping calls ping three times and returns. The cancel sent for a function
        // without results lands at the guest's next epoch check, which this short export never
        // reaches: it returns 0, later pings are short-circuited (user code ran once), and the
        // call still fails as the host function's.
        Assert.Equal("HostFunction rc=0 calls=1", result["void"][0]);
    }
}

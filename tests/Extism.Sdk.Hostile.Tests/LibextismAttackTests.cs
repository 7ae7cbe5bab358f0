using Xunit;

namespace Extism.Sdk.Hostile.Tests;

/// <summary>
/// Attacks that crash inside libextism itself, with no SDK code on the path: libextism reads an
/// error message, a config key or a var key from a block whose forged header claims 16 MiB
/// (libextism 1.41.0: SIGSEGV). Only a libextism release can fix these; the tests prove they still
/// crash, so that the release that fixes them is noticed.
/// </summary>
public class LibextismAttackTests
{
    [Theory]
    [InlineData("error_forge:0:0")]  // error_set on a forged block, then return 1
    [InlineData("config_forge:0:0")] // config_get with a forged key block
    [InlineData("var_forge:0:0")]    // var_set with a forged key block
    public void AForgedBlockReadByLibextismStillCrashesTheProcess(string call)
    {
        ChildResult result = HostileChild.Run(call);
        Assert.True(result.Crashed,
            $"libextism fixed this: flip the expectation (assert the call fails cleanly instead of crashing). {call} gave: {result.Output}");
    }
}

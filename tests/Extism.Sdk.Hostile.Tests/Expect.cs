using Xunit;

namespace Extism.Sdk.Hostile.Tests;

internal static class Expect
{
    internal const string HostArgument = "ExtismException kind=HostFunction inner=ArgumentException";
    internal const string HostAllocator = "ExtismException kind=HostFunction inner=InvalidOperationException";
    internal const string InvalidOutput = "ExtismException kind=InvalidOutput inner=-";

    /// <summary>Runs <paramref name="calls"/> in one child and checks each call's line starts with the matching expectation (null: not checked).</summary>
    internal static ChildResult Calls(string[] calls, params string?[] expected)
    {
        ChildResult result = HostileChild.Run(calls);
        Assert.False(result.Crashed, $"the child died (exit code {result.ExitCode}) running {string.Join(' ', calls)}:\n{result.Output}");
        Assert.True(result.Calls.Count == calls.Count(c => !c.StartsWith("--", StringComparison.Ordinal)), $"a call printed no line:\n{result.Output}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] is not { } prefix) continue;
            string export = calls.Where(c => !c.StartsWith("--", StringComparison.Ordinal)).ElementAt(i).Split(':')[0];
            Assert.True(result.Calls[i].StartsWith($"call {export}: {prefix}", StringComparison.Ordinal),
                $"call {i} ({calls[i]}): expected '{prefix}', got '{result.Calls[i]}'\n{result.Output}");
        }
        return result;
    }

    /// <summary>One attack alone in a fresh child.</summary>
    internal static void Attack(string call, string expected) => Calls([call], expected);
}

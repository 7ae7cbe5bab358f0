using System.Diagnostics;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

[CollectionDefinition(nameof(Serial), DisableParallelization = true)]
public sealed class Serial;

/// <summary>
/// Pools that started, crashed and replaced workers leave no file descriptor (pipe) and no child
/// process behind. Runs alone: other tests' pools would move the counts.
/// </summary>
[Collection(nameof(Serial))]
public class LeakTests
{
    [Fact]
    public void NoPipesOrProcessesAreLeftBehind()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "counts /proc/self/fd and /proc/*/stat");
        // Once, so that everything the first pool initialises (the spawner thread, libraries) is counted before.
        RunPools();
        int fds = OpenDescriptors();
        for (int i = 0; i < 3; i++) RunPools();
        Assert.Equal(fds, OpenDescriptors());
        Assert.Empty(ChildProcesses());
    }

    private static void RunPools()
    {
        using (IsolatedPluginPool pool = TestPlugins.Pool("hostile", maxWorkers: 2, functions: TestPlugins.HostileFunctions()))
        {
            Parallel.For(0, 2, _ => pool.Call("hello", TestPlugins.HostileInput()));
            Assert.Throws<ExtismWorkerException>(() => pool.Call("error_forge", TestPlugins.HostileInput()));
            pool.Call("hello", TestPlugins.HostileInput());
        }
        using (IsolatedPluginPool failing = TestPlugins.Pool("host_bytes"))
        {
            Assert.ThrowsAny<ExtismException>(() => failing.Call("call_transform", "x")); // creation fails in the worker
        }
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>Processes whose parent is this process (the test host starts none of its own meanwhile).</summary>
    private static List<string> ChildProcesses()
    {
        var children = new List<string>();
        int self = Environment.ProcessId;
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(rest[1]) == self) children.Add(stat[..(stat.LastIndexOf(')') + 1)]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Not a process directory, or the process ended while we looked.
            }
        }
        return children;
    }
}

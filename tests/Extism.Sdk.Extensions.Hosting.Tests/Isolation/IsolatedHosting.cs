using System.Text;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests.Isolation;

/// <summary>
/// The isolated-hosting tests run one after another (one collection), so that counting this
/// process's worker children is not disturbed by another test's workers.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class IsolatedHosting
{
    internal const string Collection = "Isolated hosting";

    /// <summary>Live (not zombie) child processes of this process running the worker; empty when not on Linux.</summary>
    internal static int[] WorkerPids()
    {
        if (!OperatingSystem.IsLinux()) return [];
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                // stat: "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (rest[0] == "Z" || int.Parse(rest[1]) != Environment.ProcessId) continue;
                string commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline")));
                if (commandLine.Contains("Extism.Sdk.Worker", StringComparison.Ordinal)) pids.Add(pid);
            }
            catch (IOException)
            {
                // ended while being read
            }
        }
        return [.. pids];
    }

    /// <summary>The number of live worker children, or null where that cannot be seen (not Linux).</summary>
    internal static int? WorkerProcesses() => OperatingSystem.IsLinux() ? WorkerPids().Length : null;

    /// <summary>Waits until every worker this process started is gone (on Linux; elsewhere returns at once).</summary>
    internal static Task NoWorkersLeft() => Wait.Until(() => WorkerPids().Length == 0, "every worker process to end", seconds: 20);

    /// <summary>
    /// WebAssembly text of a plug-in with two exports that output <paramref name="answer"/>:
    /// <c>answer</c> at once, and <c>slow</c> after calling the host function <c>block</c>.
    /// </summary>
    internal static string Answering(string answer)
    {
        string body = TestWasm.StoreAscii(answer);
        return $$"""
            (module
              (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
              (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
              (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
              (import "extism:host/user" "block" (func $block))
              (func $answer (local $p i64)
                (local.set $p (call $alloc (i64.const {{answer.Length}})))
            {{body}}    (call $output_set (local.get $p) (i64.const {{answer.Length}})))
              (func (export "answer") (result i32) (call $answer) (i32.const 0))
              (func (export "slow") (result i32) (call $block) (call $answer) (i32.const 0)))
            """;
    }
}

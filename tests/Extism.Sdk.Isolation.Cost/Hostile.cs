using System.Diagnostics;

namespace Extism.Sdk.Isolation.Cost;

/// <summary>
/// The attacks that crash libextism itself (tests/Extism.Sdk.Hostile.Tests/LibextismAttackTests:
/// in-process they kill the host), run in a worker while a sibling tenant keeps calling. Prints
/// each attack's answer, the next call on the attacked pool, and the sibling's calls meanwhile.
/// </summary>
internal static class Hostile
{
    internal static async Task<int> RunAsync()
    {
        using var sibling = new IsolatedPluginPool(Plugins.Manifest("count_vowels"), [],
            new IsolatedPluginPoolOptions { Name = "sibling", MaxWorkers = 1 });
        using var attacked = new IsolatedPluginPool(Plugins.Manifest("hostile"), Plugins.HostileImports(),
            new IsolatedPluginPoolOptions { Name = "attacked", MaxWorkers = 1 });
        sibling.Call("count_vowels", "warm");
        attacked.Call("hello", Plugins.HostileInput());

        int status = 0;
        Console.WriteLine("| attack | the attacker's call | answered in | next call on that pool | sibling tenant meanwhile |");
        Console.WriteLine("|---|---|---:|---|---|");
        foreach (string attack in new[] { "error_forge", "config_forge", "var_forge" })
        {
            long ok = 0, failed = 0;
            using var stop = new CancellationTokenSource();
            Task siblingCalls = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { sibling.Call("count_vowels", "sibling tenant"); Interlocked.Increment(ref ok); }
                    catch (Exception) { Interlocked.Increment(ref failed); }
                }
            });
            await Task.Delay(200);
            long t0 = Stopwatch.GetTimestamp();
            string answer;
            try
            {
                await attacked.CallAsync(attack, Plugins.HostileInput());
                answer = "succeeded (libextism fixed? then flip this expectation)";
                status = 1;
            }
            catch (ExtismException e)
            {
                answer = $"{e.GetType().Name} Kind={e.Kind}" + (e is ExtismWorkerException w ? $" Reason={w.Reason} ExitCode={w.WorkerExitCode}" : "") +
                    $": {e.Message.Split('\n')[0]}";
                if (e is not ExtismWorkerException) status = 1;
            }
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            string next;
            try { attacked.Call("hello", Plugins.HostileInput()); next = "ok (new worker)"; }
            catch (Exception e) { next = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}"; status = 1; }
            await Task.Delay(200);
            stop.Cancel();
            await siblingCalls;
            if (failed > 0) status = 1;
            Console.WriteLine($"| {attack} | {answer.Replace("|", "\\|")} | {ms:F0} ms | {next} | {ok} calls ok, {failed} failed |");
        }
        return status;
    }
}

using System.Diagnostics;

namespace Extism.Sdk.Isolation.Cost;

/// <summary>
/// Two tenants, each an <see cref="IsolatedPluginPool"/>: a steady one calling count_vowels from
/// several threads, and an attacker whose every call, once a second, crashes libextism in its
/// worker (a forged error block, <c>error_forge</c>). Fails when any steady call fails or gives a
/// wrong answer, or when a crash is not reported as <see cref="ExtismErrorKind.WorkerDied"/>.
/// </summary>
internal static class Load
{
    internal static async Task<int> RunAsync(int seconds, int callers)
    {
        const string Text = "Isolation keeps one tenant's crash in one worker.";
        int expected = Text.Count(ch => "aeiouAEIOU".Contains(ch));
        using var steady = new IsolatedPluginPool(Plugins.Manifest("count_vowels"), [],
            new IsolatedPluginPoolOptions { Name = "steady", MaxWorkers = callers });
        using var attacker = new IsolatedPluginPool(Plugins.Manifest("hostile"), Plugins.HostileImports(),
            new IsolatedPluginPoolOptions { Name = "attacker", MaxWorkers = 1 });
        steady.Call("count_vowels", Text);
        attacker.Call("hello", Plugins.HostileInput());

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long ok = 0, failed = 0, wrong = 0;
        var latencies = new List<double>[callers];
        var failures = new List<string>();
        Task[] workers = [.. Enumerable.Range(0, callers).Select(i => Task.Run(() =>
        {
            var mine = latencies[i] = new List<double>(1 << 16);
            while (!stop.IsCancellationRequested)
            {
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    string output = steady.Call("count_vowels", Text);
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                    if (output.Contains($"\"count\":{expected}", StringComparison.Ordinal)) Interlocked.Increment(ref ok);
                    else { Interlocked.Increment(ref wrong); lock (failures) failures.Add("wrong output: " + output); }
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failed);
                    lock (failures) failures.Add(e.GetType().Name + ": " + e.Message);
                }
            }
        }))];

        int crashes = 0, otherAnswers = 0, healed = 0;
        var reasons = new Dictionary<string, int>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await attacker.CallAsync("error_forge", Plugins.HostileInput());
                otherAnswers++;
            }
            catch (ExtismWorkerException e) when (e.Kind == ExtismErrorKind.WorkerDied)
            {
                crashes++;
                reasons[e.Reason.ToString()] = reasons.GetValueOrDefault(e.Reason.ToString()) + 1;
            }
            catch (Exception e)
            {
                otherAnswers++;
                Console.WriteLine($"attacker: unexpected {e.GetType().Name}: {e.Message}");
            }
            try { attacker.Call("hello", Plugins.HostileInput()); healed++; } catch (Exception e) { Console.WriteLine($"attacker heal failed: {e.Message}"); }
            try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(workers);

        var all = latencies.SelectMany(l => l).Order().ToList();
        double P(double q) => all.Count == 0 ? 0 : all[Math.Min(all.Count - 1, (int)(q * all.Count))];
        Console.WriteLine($"load run: {seconds} s, steady tenant {callers} callers on {callers} workers, attacker crashing its worker once a second");
        Console.WriteLine($"  steady tenant: {ok} calls ok, {failed} failed, {wrong} wrong; latency p50 {P(0.5):F0} µs, p99 {P(0.99):F0} µs, p99.9 {P(0.999):F0} µs, max {(all.Count > 0 ? all[^1] : 0):F0} µs");
        Console.WriteLine($"  attacker: {crashes} worker crashes reported as WorkerDied ({string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}"))}), {otherAnswers} other answers, {healed} healing calls ok");
        foreach (string f in failures.Take(5)) Console.WriteLine("  failure: " + f);
        return failed == 0 && wrong == 0 && crashes > 0 && otherAnswers == 0 ? 0 : 1;
    }
}

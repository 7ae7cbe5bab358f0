using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace Extism.Sdk.Tests.Concurrency;

/// <summary>Shared bits of the concurrency tests.</summary>
internal static class ConcurrencyHelpers
{
    /// <summary>Iterations of outcomes.wasm's <c>busy</c> export: a few tens of milliseconds of CPU.</summary>
    internal const long ShortBusy = 20_000_000;

    internal static byte[] U64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    internal static long ReadU64(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadInt64LittleEndian(bytes);

    /// <summary>
    /// Runs <paramref name="workers"/> dedicated threads (not thread-pool work, so that they start
    /// at once on a 2-core machine) that call <c>busy</c> through <paramref name="pool"/> in a loop
    /// until <paramref name="interrupter"/> has returned and a little longer. Every worker call must
    /// succeed; returns how many calls they made. The interrupter's own outcome is its business.
    /// </summary>
    internal static int RunBusySiblings(PluginPool pool, int workers, Action interrupter, long iterations = ShortBusy)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int calls = 0;
        int started = 0;
        var stop = new ManualResetEventSlim();
        byte[] input = U64(iterations);
        var threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            threads[i] = new Thread(() =>
            {
                bool first = true;
                do
                {
                    try
                    {
                        byte[] output = pool.Call("busy", input);
                        if (Encoding.ASCII.GetString(output) != "done") throw new InvalidOperationException("wrong output");
                        Interlocked.Increment(ref calls);
                    }
                    catch (Exception e)
                    {
                        errors.Enqueue(e);
                    }
                    if (first) { Interlocked.Increment(ref started); first = false; }
                }
                while (!stop.IsSet);
            }) { IsBackground = true };
            threads[i].Start();
        }
        // Every worker has an instance and has finished one call: they are now calling back to back.
        SpinWait.SpinUntil(() => Volatile.Read(ref started) == workers, TimeSpan.FromSeconds(20));
        try
        {
            interrupter();
        }
        finally
        {
            Thread.Sleep(100);
            stop.Set();
            foreach (Thread t in threads) t.Join();
        }
        Exception? firstError = errors.FirstOrDefault();
        if (firstError is not null)
        {
            throw new Xunit.Sdk.XunitException($"{errors.Count} sibling call(s) failed; first: {firstError}");
        }
        return calls;
    }

    /// <summary>
    /// host_loop's <c>add_one</c>, recording which threads are inside a <c>loop</c> call (host
    /// functions run on the calling thread), so a test can wait until calls are certainly running.
    /// </summary>
    internal sealed class HostLoopTracker
    {
        private readonly ConcurrentDictionary<int, byte> _threads = new();

        internal HostLoopTracker()
        {
            AddOne = HostFunction.FromMethod<long, long>("add_one", this, static (plugin, v) =>
            {
                plugin.GetUserData<HostLoopTracker>()!._threads.TryAdd(Environment.CurrentManagedThreadId, 0);
                return v + 1;
            });
        }

        internal HostFunction AddOne { get; }

        /// <summary>Waits until <paramref name="count"/> different threads have been inside a call.</summary>
        internal void WaitForThreadsInside(int count)
        {
            if (!SpinWait.SpinUntil(() => _threads.Count >= count, TimeSpan.FromSeconds(30)))
            {
                throw new Xunit.Sdk.XunitException($"only {_threads.Count} of {count} calls started");
            }
        }
    }

    /// <summary>Starts <paramref name="body"/> on a dedicated thread.</summary>
    internal static Task<T> OnOwnThread<T>(Func<T> body) => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}

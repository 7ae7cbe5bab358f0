using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests;

/// <summary>
/// Fails a test class that leaves native objects or GC handles behind, the way libgit2sharp's
/// leak tracking does: a class fixture that reads <see cref="LeakTracker"/> before the class's
/// first test and, after its last, collects, runs finalizers, waits for libextism's
/// <c>free_user_data</c> callbacks and asserts that every count is back where it started.
/// Classes using it belong to the <see cref="LeakCheckedCollection"/>, which runs alone: the
/// counts are process-wide, so no other test may create or free plug-ins meanwhile.
/// </summary>
public sealed class LeakCheck : IDisposable
{
    private readonly LeakCounts _start;

    public LeakCheck()
    {
        // Whatever earlier tests left to the finalizer is freed first, so it cannot land in our window.
        _start = Settle(null);
    }

    public void Dispose()
    {
        LeakCounts end = Settle(_start);
        Assert.True(end == _start, $"leaked: started with {_start}, ended with {end}");
    }

    /// <summary>Collects and waits for finalizers until the counts reach <paramref name="target"/> (or stop moving), up to ten seconds.</summary>
    private static LeakCounts Settle(LeakCounts? target)
    {
        LeakCounts counts = LeakTracker.Snapshot();
        for (int i = 0; i < 100; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            LeakCounts now = LeakTracker.Snapshot();
            if (target is { } t ? now == t : now == counts && i > 0) return now;
            counts = now;
            Thread.Sleep(100);
        }
        return counts;
    }
}

/// <summary>The classes checked by <see cref="LeakCheck"/>; they run after the parallel ones, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakCheckedCollection
{
    public const string Name = "Leak-checked";
}

namespace Extism.Sdk;

public sealed partial class PluginPool
{
    // Every slot the pool holds (idle or rented), so that DrainAsync can reach rented instances.
    // Changed only when a slot is made or let go, never per call.
    private readonly List<Entry> _entries = [];
    private volatile bool _draining;

    /// <summary>How many instances are rented right now (by calls in progress and by leases).</summary>
    public int InUse => Math.Max(0, MaxSize - _slots.CurrentCount);

    /// <summary>
    /// Waits until no instance is rented, for a graceful stop: calls in progress finish, and the
    /// pool keeps serving new ones meanwhile. When <paramref name="cancellationToken"/> fires
    /// first, the calls still running are cancelled (they end with
    /// <see cref="OperationCanceledException"/>, and are not repeated) and the task completes.
    /// It never throws for the token.
    /// </summary>
    /// <returns>True when every instance came back in time; false when running calls had to be cancelled.</returns>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken = default)
    {
        while (InUse > 0 && !IsDisposed)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                CancelRunningCalls();
                return false;
            }
            try
            {
                // Polling is fine here: this runs once, at shutdown, and keeps the call path free of any signalling.
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return true;
    }

    /// <summary>Interrupts every call running on a rented instance; interrupted calls are not repeated from now on.</summary>
    private void CancelRunningCalls()
    {
        _draining = true;
        Entry[] entries;
        lock (_entries) entries = [.. _entries];
        foreach (Entry entry in entries)
        {
            if (!entry.Idle) entry.Instance?.Cancel();
        }
    }

    private void Track(Entry entry)
    {
        lock (_entries) _entries.Add(entry);
    }

    private void Forget(Entry entry)
    {
        lock (_entries) _entries.Remove(entry);
    }
}

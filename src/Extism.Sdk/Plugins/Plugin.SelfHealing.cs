using Extism.Sdk.Native;

namespace Extism.Sdk;

// Replacing a poisoned native instance (self-healing), for Native in Plugin.cs.
public sealed partial class Plugin
{
    private PluginHandle Recycle()
    {
        PluginHandle NewInstance() => _recycleFrom!.NewInstance() ?? throw new ObjectDisposedException(nameof(Plugin));
        PluginHandle fresh;
        try
        {
            fresh = NewInstance();
        }
        catch (ExtismException e) when (LateCancel.IsInterruptedCreation(e) && _lateCancel.Possible)
        {
            // A late cancel of this plug-in's (LateCancel.cs) hit the instantiation; it is spent now.
            fresh = NewInstance();
        }
        PluginHandle old = Interlocked.Exchange(ref _native, fresh);
        // Dispose may have run meanwhile (it does not wait for the lock): whichever of the two
        // sees the other's write frees the fresh instance, so it is freed at least once.
        if (IsDisposed)
        {
            fresh.Dispose();
            throw new ObjectDisposedException(nameof(Plugin));
        }
        old.Dispose();
        LastCallLeftInstanceUnusable = false;
        Interlocked.Increment(ref _recycleCount);
        LastRecycleReason = _poisonReason ?? "unknown";
        OnRecycled(LastRecycleReason);
        return fresh;
    }

    /// <summary>How many calls were repeated after an interrupt that was not theirs (LateCancel.cs).</summary>
    internal long StrayInterruptRepeats => Interlocked.Read(ref _strayInterruptRepeats);

    /// <summary>Why the last replacement happened (<see cref="CallOutcome.ReasonName(Exception)"/>); null before the first.</summary>
    internal string? LastRecycleReason { get; private set; }

    /// <summary>Hook for metrics (e.g. <c>extism.plugin.recycles</c> with <c>extism.reason</c>); <paramref name="reason"/> is <see cref="CallOutcome.ReasonName(Exception)"/>.</summary>
    partial void OnRecycled(string reason);
}

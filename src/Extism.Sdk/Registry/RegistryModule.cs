namespace Extism.Sdk;

/// <summary>
/// One key of a <see cref="PluginRegistry"/>: its compilation (in flight or done), compiled code,
/// pool and what it counts against the budgets. Fields marked "lock" are guarded by the
/// registry's lock; the rest are written once, before <see cref="Ready"/> completes.
/// </summary>
internal sealed class RegistryModule : IInstanceBudget
{
    internal RegistryModule(PluginRegistry registry, string key)
    {
        Registry = registry;
        Key = key;
        Node = new LinkedListNode<RegistryModule>(this);
    }

    internal readonly PluginRegistry Registry;
    internal readonly string Key;

    /// <summary>Place in the registry's recency list (first = used most recently). lock</summary>
    internal readonly LinkedListNode<RegistryModule> Node;

    /// <summary>Completes when the module is compiled; faults (for every waiter) when resolving or compiling failed.</summary>
    internal readonly TaskCompletionSource Ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal CompiledPlugin? Compiled;  // lock: null until compiled
    internal PluginPool? Pool;
    internal IsolatedPluginPool? Isolated; // lock: process isolation's pool instead of Compiled and Pool; null until its first worker answered
    internal int ReservedWorkers;       // process isolation: worker slots counted as live instances while the module is held
    internal bool Reserved;             // lock: counted in the module budgets (set by ReserveModuleAsync, cleared by Unreserve)
    internal long ModuleBytes;          // what the compiled code counts against the memory budget
    internal long InstanceBytes;        // what each instance counts
    internal int Users;                 // lock: calls and leases holding the module; never evicted while > 0
    internal int LiveInstances;         // lock
    internal bool Removed;              // lock: out of the registry's map; disposed once Users drops to 0
    internal bool Disposed;             // lock

    /// <summary>Compiled (in-process) or with its worker pool ready (process isolation). lock</summary>
    internal bool IsReady => Compiled is not null || Isolated is not null;

    void IInstanceBudget.InstanceDropped(PluginPool pool) => Registry.OnInstanceDropped(this);
}

/// <summary>Thrown inside a registry pool's factory when no budget room could be made right now; the registry waits and retries.</summary>
internal sealed class RegistryBudgetFullException(PluginRegistryBudget budget) : Exception("The registry budget is full.")
{
    internal PluginRegistryBudget Budget { get; } = budget;
}

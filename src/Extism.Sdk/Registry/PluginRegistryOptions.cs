namespace Extism.Sdk;

/// <summary>
/// Budgets and settings of a <see cref="PluginRegistry"/>. The registry copies them when it is
/// created; changing this object afterwards has no effect on it.
/// </summary>
/// <remarks>
/// <para>What the memory budget counts is an estimate, not a reading of the process's RSS
/// (which moves with the garbage collector and everything else in the process): every compiled
/// plug-in counts <see cref="EstimateModuleMemory"/> of its code size, and every live instance
/// counts <see cref="InstanceMemoryEstimate"/>. The defaults are upper bounds of what was measured
/// with libextism 1.41.0 on linux-x64 (build/scale.sh measure): a small WAT plug-in costs
/// 145-485 KiB of RSS per compiled module and 31-191 KiB per instance after a call; the Extism
/// runtime's 1.8 MB Rust-PDK <c>code.wasm</c> costs 21 MiB compiled (about 11.6 times its size)
/// and 120 KiB per instance after one <c>count_vowels</c> call. A plug-in that grows its linear
/// memory pays for every page it touches, so set <see cref="PluginDefinition.InstanceMemoryEstimate"/>
/// for such plug-ins.</para>
/// <para>Address space is the other limit: wasmtime reserves about 16.25 GiB of virtual memory per
/// instance (measured: +16,640 MiB of VmSize each, for the guard regions of its linear memories),
/// so 128 TiB of user address space holds about 8,000 instances whatever the RAM. That is why
/// <see cref="MaxLiveInstances"/> is refused above <see cref="MaxLiveInstancesLimit"/>. With the
/// disk cache on, wasmtime also starts one thread per compiled module (about 4.7 MiB of virtual
/// memory each, for its stack), which <see cref="MaxCompiledModules"/> bounds.</para>
/// </remarks>
public sealed class PluginRegistryOptions
{
    /// <summary>Virtual memory wasmtime reserves per instance (16,640 MiB, measured with libextism 1.41.0 on linux-x64).</summary>
    public const long InstanceAddressSpace = 16_640L * 1024 * 1024;

    /// <summary>
    /// The highest <see cref="MaxLiveInstances"/> accepted: 7/8 of the 128 TiB of user address space of
    /// x86-64 and arm64 Linux, divided by <see cref="InstanceAddressSpace"/> (7,056).
    /// </summary>
    public const int MaxLiveInstancesLimit = (int)(128L * 1024 * 1024 * 1024 * 1024 * 7 / 8 / InstanceAddressSpace);

    /// <summary>Most live instances across all plug-ins (idle and in use). Default 1,000; at most <see cref="MaxLiveInstancesLimit"/>.</summary>
    public int MaxLiveInstances { get; set; } = 1000;

    /// <summary>Most compiled plug-ins kept at once. Default 1,000.</summary>
    public int MaxCompiledModules { get; set; } = 1000;

    /// <summary>Most estimated memory, in bytes, of compiled code plus live instances (see the remarks). Null: no memory budget. Default 1 GiB.</summary>
    public long? MemoryBudget { get; set; } = 1L << 30;

    /// <summary>Most instances of one plug-in at once (the size of its pool), unless its definition says otherwise. Default: the processor count.</summary>
    public int MaxInstancesPerPlugin { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// How long a call waits for room in a budget (for an instance or a compilation) when nothing
    /// can be evicted because everything is in use, before a <see cref="PluginBudgetExceededException"/>.
    /// <see cref="TimeSpan.Zero"/> fails at once. Default 10 seconds. A cancellation token also ends the wait.
    /// </summary>
    public TimeSpan BudgetWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most compilations running at once; more wait their turn. Compiling is CPU-bound, and each
    /// compilation holds working memory the budget does not count (measured: with 8 at once on 2
    /// cores, peak RSS went to twice the budget while compiling from a cold cache), so the
    /// default is the processor count.
    /// </summary>
    public int MaxConcurrentCompilations { get; set; } = Environment.ProcessorCount;

    /// <summary>Memory the budget counts per live instance, in bytes, unless a definition overrides it. Default 256 KiB (see the remarks).</summary>
    public long InstanceMemoryEstimate { get; set; } = 256 * 1024;

    /// <summary>Fixed part of the memory counted per compiled plug-in, in bytes. Default 512 KiB.</summary>
    public long ModuleMemoryBase { get; set; } = 512 * 1024;

    /// <summary>Memory counted per byte of code of a compiled plug-in (compiled machine code and metadata). Default 12.</summary>
    public double ModuleMemoryPerCodeByte { get; set; } = 12;

    /// <summary>
    /// Tags added to every measurement of this registry's instruments (hits, misses, evictions,
    /// compile duration), for example the node or Orleans silo that owns it when several registries
    /// share a process. Null or empty: none. Copied when the registry is created.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? MetricTags { get; set; }

    /// <summary>Settings of wasmtime's on-disk compilation cache (warm restarts). Null leaves the process environment alone.</summary>
    public CompilationCacheOptions? CompilationCache { get; set; }

    /// <summary>
    /// Treat every resolved plug-in as code you do not trust: whatever its definition leaves unset
    /// takes the values of <see cref="Manifest.Untrusted"/> (2-second timeout, 16 MiB of memory
    /// growth, 64 KiB of vars, 1 MiB of HTTP response) and <see cref="PluginInitializationOptions.Untrusted"/>
    /// (WASI off when the definition has no options, a fuel limit of 5×10^9 per call); what the definition
    /// sets (hosts, paths, a timeout, limits, WASI, fuel) is kept. A definition of wasm bytes gets an
    /// untrusted manifest around them. The resolver's objects are not changed. Default false.
    /// </summary>
    public bool Untrusted { get; set; }

    /// <summary>
    /// Run every resolved plug-in in worker processes, with these settings: each key gets its own
    /// <see cref="IsolatedPluginPool"/> of <see cref="PluginDefinition.MaxInstances"/> (or
    /// <see cref="MaxInstancesPerPlugin"/>) workers, so a crash in one tenant's plug-in or in
    /// libextism costs that worker and its call (<see cref="ExtismWorkerException"/>), not the
    /// service. A key is ready once its first worker has loaded the plug-in (a plug-in that does
    /// not load fails its callers, as a failed compilation does). Budgets: a ready key counts its
    /// worker slots as live instances (<see cref="MaxLiveInstances"/> then bounds the worker
    /// processes) and <see cref="PluginDefinition.InstanceMemoryEstimate"/> per slot; eviction
    /// and <see cref="PluginRegistry.Invalidate"/> end a key's workers once its calls are done.
    /// Host functions come from <see cref="PluginDefinition.IsolatedFunctions"/>. A definition's
    /// <see cref="PluginInitializationOptions.FuelLimit"/> applies in its workers (else
    /// <see cref="IsolatedPluginPoolOptions.FuelLimit"/>, else the untrusted preset's); there is no
    /// lease (<see cref="PluginRegistry.RentAsync"/> throws <see cref="NotSupportedException"/>).
    /// <see cref="IsolatedPluginPoolOptions.MaxWorkers"/> is not used. Null (the default): in-process.
    /// </summary>
    public IsolatedPluginPoolOptions? ProcessIsolation { get; set; }

    /// <summary>Memory the budget counts for a compiled plug-in of <paramref name="codeBytes"/> bytes: <see cref="ModuleMemoryBase"/> + <see cref="ModuleMemoryPerCodeByte"/> × size.</summary>
    public long EstimateModuleMemory(long codeBytes) => ModuleMemoryBase + (long)(ModuleMemoryPerCodeByte * codeBytes);

    /// <summary>Checks every setting; hosts call it at start so that a bad value fails early.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate() => Validated();

    internal PluginRegistryOptions Validated()
    {
        if (MaxLiveInstances < 1 || MaxLiveInstances > MaxLiveInstancesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLiveInstances), MaxLiveInstances,
                $"PluginRegistryOptions.MaxLiveInstances must be between 1 and {MaxLiveInstancesLimit}: wasmtime reserves about 16.25 GiB of address space per instance, and a process has 128 TiB.");
        }
        if (MaxCompiledModules < 1) throw new ArgumentOutOfRangeException(nameof(MaxCompiledModules), MaxCompiledModules, "PluginRegistryOptions.MaxCompiledModules must be at least 1.");
        if (MemoryBudget is <= 0) throw new ArgumentOutOfRangeException(nameof(MemoryBudget), MemoryBudget, "PluginRegistryOptions.MemoryBudget must be positive (null for none).");
        if (MaxConcurrentCompilations < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrentCompilations), MaxConcurrentCompilations, "PluginRegistryOptions.MaxConcurrentCompilations must be at least 1.");
        if (MaxInstancesPerPlugin < 1) throw new ArgumentOutOfRangeException(nameof(MaxInstancesPerPlugin), MaxInstancesPerPlugin, "PluginRegistryOptions.MaxInstancesPerPlugin must be at least 1.");
        if (BudgetWaitTimeout < TimeSpan.Zero && BudgetWaitTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(BudgetWaitTimeout), BudgetWaitTimeout, "PluginRegistryOptions.BudgetWaitTimeout must not be negative.");
        }
        if (InstanceMemoryEstimate < 0 || ModuleMemoryBase < 0 || ModuleMemoryPerCodeByte < 0 || double.IsNaN(ModuleMemoryPerCodeByte))
        {
            throw new ArgumentOutOfRangeException(nameof(InstanceMemoryEstimate), "PluginRegistryOptions memory estimates must not be negative.");
        }
        var copy = (PluginRegistryOptions)MemberwiseClone();
        copy.MetricTags = MetricTags?.ToArray();
        if (ProcessIsolation is { } isolation)
        {
            if (isolation.CallDeadline is { } deadline && deadline <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProcessIsolation), deadline, "PluginRegistryOptions.ProcessIsolation.CallDeadline must be positive (null for none).");
            if (isolation.MaxWorkerMemoryBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(ProcessIsolation), isolation.MaxWorkerMemoryBytes, "PluginRegistryOptions.ProcessIsolation.MaxWorkerMemoryBytes must be positive (null for none).");
            if (isolation.MaxWorkerCpuTime is { } cpu && cpu <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProcessIsolation), cpu, "PluginRegistryOptions.ProcessIsolation.MaxWorkerCpuTime must be positive (null for none).");
            if (isolation.FuelLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(ProcessIsolation), isolation.FuelLimit, "PluginRegistryOptions.ProcessIsolation.FuelLimit must be positive (null for none).");
            copy.ProcessIsolation = isolation.Copy();
        }
        return copy;
    }
}

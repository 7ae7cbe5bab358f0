namespace Extism.Sdk;

/// <summary>The <see cref="PluginRegistry"/> budget a call could not get room in.</summary>
public enum PluginRegistryBudget
{
    /// <summary><see cref="PluginRegistryOptions.MaxLiveInstances"/>.</summary>
    LiveInstances,

    /// <summary><see cref="PluginRegistryOptions.MaxCompiledModules"/>.</summary>
    CompiledModules,

    /// <summary><see cref="PluginRegistryOptions.MemoryBudget"/>.</summary>
    Memory,
}

/// <summary>
/// A <see cref="PluginRegistry"/> call needed a new instance or a compilation, its budget was
/// full of plug-ins in use (nothing idle to evict), and no room came free within
/// <see cref="PluginRegistryOptions.BudgetWaitTimeout"/>. Nothing was called.
/// </summary>
public sealed class PluginBudgetExceededException : TimeoutException
{
    /// <summary>Creates the exception; the message names the budget and its limit.</summary>
    public PluginBudgetExceededException(string key, PluginRegistryBudget budget, string message) : base(message)
    {
        Key = key;
        Budget = budget;
    }

    /// <summary>The key whose call failed.</summary>
    public string Key { get; }

    /// <summary>The budget that was full.</summary>
    public PluginRegistryBudget Budget { get; }
}

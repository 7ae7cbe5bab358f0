using System.Text.Json.Serialization.Metadata;

namespace Extism.Sdk;

// Calls and leases: hold the module, call through its pool, and wait (bounded) when a new
// instance finds the budget full of instances in use.
public sealed partial class PluginRegistry
{
    /// <summary>
    /// Calls <paramref name="functionName"/> of the plug-in for <paramref name="key"/>: compiles it
    /// first if needed (waiting for a compilation another caller started), rents an instance
    /// (creating one within the budgets), calls, and returns a copy of the output, which the caller
    /// owns. The pool's rules apply to the call itself (see <see cref="PluginPool"/>).
    /// </summary>
    /// <param name="key">The plug-in's key, passed to the resolver on a miss.</param>
    /// <param name="functionName">Export of the main module.</param>
    /// <param name="input">The plug-in's input. Must not change until the task completes.</param>
    /// <param name="cancellationToken">Ends the wait for the compilation, the budget or an instance, or interrupts the call.</param>
    /// <exception cref="PluginBudgetExceededException">A budget stayed full of plug-ins in use for <see cref="PluginRegistryOptions.BudgetWaitTimeout"/>.</exception>
    /// <exception cref="ExtismException">Compiling or the call failed; a compilation failure reaches every caller that waited for it.</exception>
    /// <exception cref="ExtismWorkerException">Under <see cref="PluginRegistryOptions.ProcessIsolation"/>: the worker running the call died (crash, deadline, memory limit, killed); other keys and calls are untouched.</exception>
    /// <exception cref="ObjectDisposedException">The registry was disposed.</exception>
    /// <remarks>Whatever the resolver throws reaches the callers that waited for that key.</remarks>
    public Task<byte[]> CallAsync(string key, string functionName, ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        return RunAsync(key, (functionName, input), static (pool, state, token) => pool.CallAsync(state.functionName, state.input, token),
            static (pool, state, token) => pool.CallAsync(state.functionName, state.input, token), cancellationToken);
    }

    /// <summary>Calls with UTF-8 text and returns the output decoded as UTF-8.</summary>
    /// <inheritdoc cref="CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<string> CallAsync(string key, string functionName, string input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(input);
        return RunAsync(key, (functionName, input), static (pool, state, token) => pool.CallAsync(state.functionName, state.input, token),
            static (pool, state, token) => pool.CallAsync(state.functionName, state.input, token), cancellationToken);
    }

    /// <summary>Sends <paramref name="input"/> as JSON and reads the output as JSON, with source-generated metadata. An empty output gives default.</summary>
    /// <inheritdoc cref="CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<TOutput?> CallAsync<TInput, TOutput>(string key, string functionName, TInput input, JsonTypeInfo<TInput> inputJsonInfo, JsonTypeInfo<TOutput?> outputJsonInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        ArgumentNullException.ThrowIfNull(inputJsonInfo);
        ArgumentNullException.ThrowIfNull(outputJsonInfo);
        return RunAsync(key, (functionName, input, inputJsonInfo, outputJsonInfo),
            static (pool, s, token) => pool.CallAsync(s.functionName, s.input, s.inputJsonInfo, s.outputJsonInfo, token),
            static (pool, s, token) => pool.CallAsync(s.functionName, s.input, s.inputJsonInfo, s.outputJsonInfo, token), cancellationToken);
    }

    /// <summary>
    /// Rents an instance of the plug-in for <paramref name="key"/> for the caller's exclusive use,
    /// compiling it first if needed. The module and the instance are never evicted while the lease
    /// is held: dispose it promptly (a <c>using</c> statement), since a held lease also keeps budget
    /// room from other keys.
    /// </summary>
    /// <inheritdoc cref="CallAsync(string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    public async Task<PluginRegistryLease> RentAsync(string key, CancellationToken cancellationToken = default)
    {
        RegistryModule module = await AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            if (module.Isolated is not null)
            {
                throw new NotSupportedException($"'{key}' runs in a worker process (PluginRegistryOptions.ProcessIsolation): there is no in-process Plugin to lease; use CallAsync.");
            }
            PluginPool.Lease lease = await WithBudgetAsync(module, 0, static (pool, _, token) => pool.RentAsync(token).AsTask(), cancellationToken).ConfigureAwait(false);
            return new PluginRegistryLease(this, module, lease);
        }
        catch
        {
            Release(module);
            throw;
        }
    }

    private async Task<TResult> RunAsync<TState, TResult>(string key, TState state, Func<PluginPool, TState, CancellationToken, Task<TResult>> call,
        Func<IsolatedPluginPool, TState, CancellationToken, Task<TResult>> isolatedCall, CancellationToken cancellationToken)
    {
        RegistryModule module = await AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            // Process isolation: the worker slots were counted when the key became ready, so the call needs no room.
            if (module.Isolated is { } isolated) return await isolatedCall(isolated, state, cancellationToken).ConfigureAwait(false);
            return await WithBudgetAsync(module, state, call, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release(module);
        }
    }

    /// <summary>Runs <paramref name="call"/> on the module's pool, waiting and trying again while a new instance finds no room.</summary>
    private async Task<TResult> WithBudgetAsync<TState, TResult>(RegistryModule module, TState state, Func<PluginPool, TState, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        long deadline = 0;
        Task? changed = null; // watched only once the budget was found full, so a plain call allocates nothing here
        while (true)
        {
            try
            {
                return await call(module.Pool!, state, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryBudgetFullException full)
            {
                // The first refusal only starts watching and tries again (room freed before the
                // watch began would otherwise be missed); later ones wait for a change seen since
                // the watch that preceded the failed attempt.
                if (changed is not null && !await WaitForBudgetAsync(changed, ref deadline, cancellationToken).ConfigureAwait(false))
                {
                    lock (_lock) throw Exceeded(module.Key, full.Budget);
                }
                lock (_lock) changed = WatchBudget();
            }
        }
    }
}

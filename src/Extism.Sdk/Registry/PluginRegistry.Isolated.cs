using System.Diagnostics;

namespace Extism.Sdk;

// Process isolation (PluginRegistryOptions.ProcessIsolation): each key gets an IsolatedPluginPool
// instead of a compiled plug-in and a PluginPool. The pool starts its workers on demand and
// cannot report them, so the budgets count a key's worker slots (MaxInstances) from the moment
// it is ready until it is evicted or invalidated; evicting the key ends its workers.
public sealed partial class PluginRegistry
{
    /// <summary>Process ids of the workers of <paramref name="key"/> (for tests and diagnostics); empty when it is not held or in-process.</summary>
    internal int[] WorkerIdsOf(string key)
    {
        lock (_lock) return _modules.TryGetValue(key, out var module) && module.Isolated is { } pool ? pool.WorkerIds() : [];
    }

    /// <summary>Reserves the key's module and worker slots, makes its pool and waits for its first worker to load the plug-in.</summary>
    private async Task StartIsolatedAsync(RegistryModule module, PluginDefinition definition, IsolatedPluginPoolOptions isolation, long started)
    {
        if (definition.Functions is { Length: > 0 })
        {
            throw new InvalidOperationException($"The PluginResolver gave '{module.Key}' in-process HostFunctions, which cannot run for a plug-in in a worker process (PluginRegistryOptions.ProcessIsolation is set); give PluginDefinition.IsolatedFunctions instead.");
        }
        Manifest manifest = definition.Manifest ?? new Manifest(new ByteArrayWasmSource(definition.Wasm.ToArray(), name: null));
        // Fuel: the definition's, else the isolation settings', else (untrusted) the preset's, as in process.
        long? fuel = definition.Options?.FuelLimit ?? isolation.FuelLimit;
        if (_options.Untrusted)
        {
            manifest = UntrustedDefaults.FillUnset(manifest);
            fuel ??= UntrustedDefaults.FuelLimit;
        }
        await ReserveModuleAsync(module).ConfigureAwait(false);
        IsolatedPluginPoolOptions poolOptions = isolation.Copy();
        poolOptions.Name ??= "registry";
        poolOptions.MaxWorkers = module.ReservedWorkers;
        poolOptions.FuelLimit = fuel;
        poolOptions.WithWasi |= definition.Options?.WithWasi == true;
        var pool = new IsolatedPluginPool(manifest, definition.IsolatedFunctions, poolOptions);
        try
        {
            await _compilations.WaitAsync(_disposing.Token).ConfigureAwait(false);
            started = Stopwatch.GetTimestamp(); // the worker's start and compilation, not the waits before it
            try
            {
                // Ready means the plug-in loads: the worker creates it before it reports ready.
                await pool.PrewarmAsync(1, _disposing.Token).ConfigureAwait(false);
            }
            finally
            {
                _compilations.Release();
            }
        }
        catch
        {
            pool.Dispose();
            throw; // CompileAsync un-reserves and reports it to every waiting caller
        }
        RegistryMetrics.Compiled(started, succeeded: true, _metricTags);
        lock (_lock)
        {
            module.Isolated = pool;
            if (module.Removed && module.Users == 0) DisposeModule(module, "invalidated");
        }
        FreeEvicted();
        module.Ready.TrySetResult();
    }
}

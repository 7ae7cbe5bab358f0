using Extism.Sdk;
using Microsoft.Extensions.Options;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// Checks a plug-in's options at start (and before every reload from changed configuration).
/// Each failure names the setting: its configuration key, or its property path when set in code.
/// </summary>
internal sealed class ExtismPluginOptionsValidator : IValidateOptions<ExtismPluginOptions>
{
    public ValidateOptionsResult Validate(string? name, ExtismPluginOptions options)
    {
        List<string> errors = Check(options);
        if (errors.Count == 0) return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(errors.Select(e => $"Extism plug-in '{name}': {e}"));
    }

    internal static List<string> Check(ExtismPluginOptions options)
    {
        var errors = new List<string>(options.ConfigurationErrors);
        string Key(string relative) => options.KeyOf(relative);

        Manifest? manifest = options.Manifest;
        if (manifest is null || manifest.Sources is not { Count: > 0 })
        {
            // Configuration errors in Wasm entries already explain an empty list.
            if (!errors.Any(e => e.Contains(":Wasm:", StringComparison.Ordinal)))
            {
                errors.Add(options.ConfigurationPath is null
                    ? $"{Key("Manifest")}: set a Manifest with at least one wasm source."
                    : $"{Key("Wasm")}: list at least one wasm module ('{Key("Wasm:0:Path")}' or '{Key("Wasm:0:Url")}').");
            }
        }
        else
        {
            for (int i = 0; i < manifest.Sources.Count; i++)
            {
                string at = options.ConfigurationPath is null ? $"Manifest:Sources:{i}"
                    : i < options.SourceKeys.Count ? options.SourceKeys[i] : $"Wasm:{i}";
                switch (manifest.Sources[i])
                {
                    case null:
                        errors.Add($"{Key(at)}: is null.");
                        break;
                    case PathWasmSource file when !File.Exists(file.Path):
                        errors.Add($"{Key(at + ":Path")}: file '{file.Path}' does not exist.");
                        break;
                    case { Hash: { } hash } when hash.Length != 64 || !hash.All(Uri.IsHexDigit):
                        errors.Add($"{Key(at + ":Hash")}: '{hash}' is not a SHA-256 in hex (64 characters).");
                        break;
                }
            }
            if (manifest.Timeout is { } timeout && timeout <= TimeSpan.Zero) errors.Add($"{Key(options.ConfigurationPath is null ? "Manifest:Timeout" : "Timeout")}: must be positive (leave it out for no timeout).");
            if (manifest.MemoryOptions is { } memory)
            {
                string prefix = options.ConfigurationPath is null ? "Manifest:MemoryOptions:" : "Memory:";
                if (memory.MaxPages is < 0) errors.Add($"{Key(prefix + "MaxPages")}: must not be negative.");
                if (memory.MaxHttpResponseBytes is < 0) errors.Add($"{Key(prefix + "MaxHttpResponseBytes")}: must not be negative.");
                if (memory.MaxVarBytes is < 0) errors.Add($"{Key(prefix + "MaxVarBytes")}: must not be negative.");
            }
        }
        if (options.FuelLimit is <= 0) errors.Add($"{Key("FuelLimit")}: must be positive (leave it out for no limit).");
        if (options.ReloadDebounce < TimeSpan.Zero) errors.Add($"{Key("ReloadDebounce")}: must not be negative.");
        if (options.Isolated)
        {
            CheckWorker(options, errors);
            return errors;
        }

        PluginPoolOptions? pool = options.Pool;
        if (pool is null)
        {
            errors.Add($"{Key("Pool")}: must not be null.");
            return errors;
        }
        if (pool.MaxSize < 1) errors.Add($"{Key("Pool:MaxSize")}: must be at least 1 (it is {pool.MaxSize}).");
        if (pool.MaxInterruptionRetries < 0) errors.Add($"{Key("Pool:MaxInterruptionRetries")}: must not be negative.");
        if (pool.RentTimeout is { } wait && wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan) errors.Add($"{Key("Pool:RentTimeout")}: must not be negative (leave it out to wait without limit).");
        if (!Enum.IsDefined(pool.Isolation)) errors.Add($"{Key("Pool:Isolation")}: unknown value {pool.Isolation}.");
        string prewarm = options.ConfigurationPath is null ? "Prewarm" : "Pool:Prewarm";
        if (options.Prewarm < 0 || options.Prewarm > pool.MaxSize) errors.Add($"{Key(prewarm)}: must be between 0 and the pool's MaxSize ({pool.MaxSize}); it is {options.Prewarm}.");
        return errors;
    }

    /// <summary>An isolated plug-in's settings: its <see cref="ExtismPluginOptions.Worker"/> and what workers cannot do.</summary>
    private static void CheckWorker(ExtismPluginOptions options, List<string> errors)
    {
        string Key(string relative) => options.KeyOf(relative);
        IsolatedPluginPoolOptions? worker = options.Worker;
        if (worker is null)
        {
            errors.Add($"{Key("Worker")}: must not be null.");
            return;
        }
        if (worker.FuelLimit is <= 0) errors.Add($"{Key("Worker:FuelLimit")}: must be positive (leave it out for no limit).");
        if (worker.FuelLimit is not null && options.FuelLimit is not null)
        {
            errors.Add($"{Key("Worker:FuelLimit")}: set either it or '{Key("FuelLimit")}', not both.");
        }
        if (worker.MaxWorkers < 1) errors.Add($"{Key("Worker:MaxWorkers")}: must be at least 1 (it is {worker.MaxWorkers}).");
        if (worker.CallDeadline is { } deadline && deadline <= TimeSpan.Zero) errors.Add($"{Key("Worker:CallDeadline")}: must be positive (leave it out for no deadline).");
        string memory = options.ConfigurationPath is null ? "Worker:MaxWorkerMemoryBytes" : "Worker:MaxWorkerMemory";
        if (worker.MaxWorkerMemoryBytes is <= 0) errors.Add($"{Key(memory)}: must be positive (leave it out for no limit).");
        if (worker.MaxWorkerCpuTime is { } cpu && cpu <= TimeSpan.Zero) errors.Add($"{Key("Worker:MaxWorkerCpuTime")}: must be positive (leave it out for no limit).");
        if (worker.WorkerStartTimeout <= TimeSpan.Zero) errors.Add($"{Key("Worker:WorkerStartTimeout")}: must be positive.");
        if (worker.CancelGracePeriod < TimeSpan.Zero) errors.Add($"{Key("Worker:CancelGracePeriod")}: must not be negative.");
        if (worker.WorkerPath is { } path && !File.Exists(path)) errors.Add($"{Key("Worker:WorkerPath")}: file '{path}' does not exist.");
        string prewarm = options.ConfigurationPath is null ? "Prewarm" : "Worker:Prewarm";
        if (options.Prewarm < 0 || options.Prewarm > worker.MaxWorkers) errors.Add($"{Key(prewarm)}: must be between 0 and MaxWorkers ({worker.MaxWorkers}); it is {options.Prewarm}.");
    }
}

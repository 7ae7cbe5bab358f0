using Extism.Sdk;
using Microsoft.Extensions.Configuration;

namespace Extism.Sdk.Extensions.Hosting;

// The keys that depend on how the plug-in was registered: "Pool" for AddExtismPlugin, "Worker"
// for AddExtismIsolatedPlugin. Each is an error under the other registration, so a section moved
// from one to the other does not silently lose its limits.
internal static partial class ExtismPluginConfiguration
{
    private static readonly string[] WorkerKeys = ["MaxWorkers", "CallDeadline", "MaxWorkerMemory", "MaxWorkerCpuTime", "WorkerPath", "WorkerStartTimeout", "CancelGracePeriod", "Prewarm", "Name"];

    /// <summary>Reads "Worker" for an isolated plug-in and returns true (the caller then skips "Pool"); reports a misplaced section either way.</summary>
    private static bool ReadMode(IConfiguration section, ExtismPluginOptions options, Func<string, string> key, List<string> errors)
    {
        IConfigurationSection worker = section.GetSection("Worker");
        if (!options.Isolated)
        {
            if (worker.GetChildren().Any() || worker.Value is not null)
            {
                errors.Add($"{key("Worker")}: applies only to plug-ins registered with AddExtismIsolatedPlugin; this one runs in-process (its pool is set under 'Pool').");
            }
            return false;
        }
        IConfigurationSection pool = section.GetSection("Pool");
        if (pool.GetChildren().Any() || pool.Value is not null)
        {
            errors.Add($"{key("Pool")}: an isolated plug-in (AddExtismIsolatedPlugin) has no instance pool; set its workers under 'Worker' ({string.Join(", ", WorkerKeys)}).");
        }
        CheckKnown(worker, WorkerKeys, relative => key("Worker:" + relative), errors);
        var workerOptions = new IsolatedPluginPoolOptions();
        if (Number(worker, "MaxWorkers", "Worker:MaxWorkers", int.MaxValue, key, errors) is { } max) workerOptions.MaxWorkers = (int)max;
        workerOptions.CallDeadline = Duration(worker, "CallDeadline", relative => key("Worker:" + relative), errors);
        workerOptions.MaxWorkerMemoryBytes = PluginRegistryConfiguration.Bytes(worker, "MaxWorkerMemory", relative => key("Worker:" + relative), errors);
        workerOptions.MaxWorkerCpuTime = Duration(worker, "MaxWorkerCpuTime", relative => key("Worker:" + relative), errors);
        if (Empty(worker["WorkerPath"]) is { } path) workerOptions.WorkerPath = Path.GetFullPath(path, AppContext.BaseDirectory);
        if (Duration(worker, "WorkerStartTimeout", relative => key("Worker:" + relative), errors) is { } start) workerOptions.WorkerStartTimeout = start;
        if (Duration(worker, "CancelGracePeriod", relative => key("Worker:" + relative), errors) is { } grace) workerOptions.CancelGracePeriod = grace;
        workerOptions.Name = Empty(worker["Name"]);
        options.Worker = workerOptions;
        options.Prewarm = (int)(Number(worker, "Prewarm", "Worker:Prewarm", int.MaxValue, key, errors) ?? 0);
        return true;
    }
}

using Extism.Sdk;
using Extism.Sdk.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Extism.Sdk.Extensions.Hosting
{
    /// <summary>
    /// Calls a probe export of an isolated plug-in with empty input, or without one checks that a
    /// worker is up (an idle one still running, or a new one started for the check). Healthy when that works;
    /// Degraded when no answer came within the wait (all workers busy, or a slow probe) or the last
    /// reload failed; Unhealthy (or the registration's failure status) when a worker cannot start,
    /// dies during the probe, or the probe fails.
    /// </summary>
    internal sealed class ExtismIsolatedHealthCheck(IsolatedPluginRuntime runtime, string? probeExport) : IHealthCheck
    {
        // Longer than the in-process check's 2 s: the answer may need a worker to start and compile.
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            ExtismIsolatedPlugin plugin = runtime.Plugin;
            var data = new Dictionary<string, object>
            {
                ["generation"] = plugin.Generation,
                ["workers"] = plugin.Workers,
                ["max_workers"] = plugin.MaxWorkers,
            };
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Wait);
            try
            {
                if (probeExport is null) await plugin.PrewarmAsync(1, wait.Token).ConfigureAwait(false);
                else await plugin.CallAsync(probeExport, ReadOnlyMemory<byte>.Empty, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Degraded($"Isolated plug-in '{runtime.Name}' gave no answer within {Wait.TotalSeconds:0} s ({plugin.MaxWorkers} worker(s) at most).", null, data);
            }
            catch (ExtismWorkerException e)
            {
                data["worker_exit_reason"] = e.Reason.ToString();
                return new HealthCheckResult(context.Registration.FailureStatus, $"Isolated plug-in '{runtime.Name}': its worker {(e.Reason == WorkerExitReason.StartFailed ? "could not start" : "died")} ({e.Reason}): {e.Message}", e, data);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"Isolated plug-in '{runtime.Name}': probe export '{probeExport}' failed: {e.Message}", e, data);
            }
            data["workers"] = plugin.Workers;
            if (runtime.LastReloadError is { } reloadError)
            {
                return HealthCheckResult.Degraded($"Isolated plug-in '{runtime.Name}' serves generation {plugin.Generation}; its last reload failed: {reloadError}", null, data);
            }
            return HealthCheckResult.Healthy($"Isolated plug-in '{runtime.Name}' serves generation {plugin.Generation}.", data);
        }
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    public static partial class ExtismHealthChecksBuilderExtensions
    {
        /// <summary>
        /// Adds a health check, named <c>extism:{name}</c>, for a plug-in registered with
        /// <c>AddExtismIsolatedPlugin(name, ...)</c>: it calls <paramref name="probeExport"/> with
        /// empty input in a worker, or, without one, checks that a worker is up (an idle one still
        /// running, or one started for the check). Healthy when that works; Degraded when no answer comes within 5 s or
        /// the last reload failed; <paramref name="failureStatus"/> (default Unhealthy) when a
        /// worker cannot start, dies, or the probe fails. Its data: <c>generation</c>,
        /// <c>workers</c>, <c>max_workers</c>, and <c>worker_exit_reason</c> when a worker died.
        /// </summary>
        /// <param name="builder">The health checks builder.</param>
        /// <param name="name">The plug-in's name.</param>
        /// <param name="probeExport">An export that is cheap and safe to call with empty input; null to only check that a worker answers.</param>
        /// <param name="failureStatus">What a failure reports; null for Unhealthy.</param>
        /// <param name="tags">Tags to filter health checks by.</param>
        /// <returns>The builder.</returns>
        public static IHealthChecksBuilder AddExtismIsolatedPlugin(this IHealthChecksBuilder builder, string name, string? probeExport = null,
            HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            return builder.Add(new HealthCheckRegistration(
                "extism:" + name,
                services => new ExtismIsolatedHealthCheck(services.GetRequiredKeyedService<IsolatedPluginRuntime>(name), probeExport),
                failureStatus,
                tags));
        }
    }
}

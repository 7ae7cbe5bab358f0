using Extism.Sdk;
using Extism.Sdk.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Extism.Sdk.Extensions.Hosting
{
    /// <summary>
    /// Rents an instance of a plug-in's pool (making one if needed) and, when a probe export is
    /// given, calls it with empty input. Healthy when that works; Degraded when every instance
    /// stayed busy for the check's wait, or the last reload failed (the previous code still
    /// serves); Unhealthy (or the registration's failure status) when no instance can be made or
    /// the probe fails.
    /// </summary>
    internal sealed class ExtismPluginHealthCheck(PluginRuntime runtime, string? probeExport) : IHealthCheck
    {
        // How long the check waits for a busy pool before calling it Degraded: shorter than the
        // usual health-check timeouts, long enough not to flap on a pool that is merely busy.
        private static readonly TimeSpan RentWait = TimeSpan.FromSeconds(2);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            PluginPool pool = runtime.Pool;
            var data = new Dictionary<string, object>
            {
                ["generation"] = pool.Generation,
                ["in_use"] = pool.InUse,
                ["max_size"] = pool.MaxSize,
            };
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(RentWait);
            PluginPool.Lease lease;
            try
            {
                lease = await pool.RentAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Degraded($"All {pool.MaxSize} instances of plug-in '{runtime.Name}' stayed busy for {RentWait.TotalSeconds:0} s.", null, data);
            }
            catch (TimeoutException e)
            {
                return HealthCheckResult.Degraded($"All {pool.MaxSize} instances of plug-in '{runtime.Name}' are busy: {e.Message}", e, data);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"Plug-in '{runtime.Name}' cannot make an instance: {e.Message}", e, data);
            }
            using (lease)
            {
                if (probeExport is not null)
                {
                    try
                    {
                        lease.Plugin.Call(probeExport, ReadOnlySpan<byte>.Empty, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        lease.MarkBroken();
                        return new HealthCheckResult(context.Registration.FailureStatus, $"Plug-in '{runtime.Name}': probe export '{probeExport}' failed: {e.Message}", e, data);
                    }
                }
            }
            if (runtime.LastReloadError is { } reloadError)
            {
                return HealthCheckResult.Degraded($"Plug-in '{runtime.Name}' serves generation {pool.Generation}; its last reload failed: {reloadError}", null, data);
            }
            return HealthCheckResult.Healthy($"Plug-in '{runtime.Name}' serves generation {pool.Generation}.", data);
        }
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Health checks for Extism plug-ins.</summary>
    public static partial class ExtismHealthChecksBuilderExtensions
    {
        /// <summary>
        /// Adds a health check, named <c>extism:{name}</c>, for a plug-in registered with
        /// <c>AddExtismPlugin(name, ...)</c>: it rents an instance and, when
        /// <paramref name="probeExport"/> is given, calls that export with empty input. Healthy when
        /// that works; Degraded when all instances stay busy for 2 s or the last reload failed;
        /// <paramref name="failureStatus"/> (default Unhealthy) when no instance can be made or the probe fails.
        /// </summary>
        /// <param name="builder">The health checks builder.</param>
        /// <param name="name">The plug-in's name.</param>
        /// <param name="probeExport">An export that is cheap and safe to call with empty input; null to only rent an instance.</param>
        /// <param name="failureStatus">What a failure reports; null for Unhealthy.</param>
        /// <param name="tags">Tags to filter health checks by.</param>
        /// <returns>The builder.</returns>
        public static IHealthChecksBuilder AddExtismPlugin(this IHealthChecksBuilder builder, string name, string? probeExport = null,
            HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            return builder.Add(new HealthCheckRegistration(
                "extism:" + name,
                services => new ExtismPluginHealthCheck(services.GetRequiredKeyedService<PluginRuntime>(name), probeExport),
                failureStatus,
                tags));
        }
    }
}

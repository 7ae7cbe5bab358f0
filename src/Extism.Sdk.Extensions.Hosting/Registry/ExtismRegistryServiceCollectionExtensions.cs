using Extism.Sdk;
using Extism.Sdk.Extensions;
using Extism.Sdk.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers a <see cref="PluginRegistry"/> (many plug-ins by key, within budgets) as a singleton.</summary>
    public static class ExtismRegistryServiceCollectionExtensions
    {
        /// <summary>
        /// Registers one <see cref="PluginRegistry"/> singleton, made at host start (so that its
        /// compilation-cache setting reaches the process before plug-ins compile) and disposed with
        /// the service provider. The options are validated at start.
        /// </summary>
        /// <param name="services">The service collection.</param>
        /// <param name="resolver">Makes the resolver from the root service provider, once; the resolver then runs on many threads.</param>
        /// <param name="configure">Sets budgets and the cache; null keeps the defaults.</param>
        /// <returns>The service collection.</returns>
        /// <exception cref="InvalidOperationException">A registry is already registered.</exception>
        public static IServiceCollection AddExtismRegistry(this IServiceCollection services, Func<IServiceProvider, PluginResolver> resolver, Action<PluginRegistryOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(services);
            ArgumentNullException.ThrowIfNull(resolver);
            if (services.Any(d => d.ServiceType == typeof(PluginRegistry))) throw new InvalidOperationException("An Extism PluginRegistry is already registered; a process has one compilation cache setting, so use one registry.");
            OptionsBuilder<PluginRegistryOptions> options = services.AddOptions<PluginRegistryOptions>();
            if (configure is not null) options.Configure(configure);
            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PluginRegistryOptions>>(new ValidateMethodValidator<PluginRegistryOptions>(static o => o.Validate())));
            services.AddSingleton(provider => new PluginRegistry(resolver(provider), provider.GetRequiredService<IOptions<PluginRegistryOptions>>().Value));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PluginRegistryStartup>());
            return services;
        }

        /// <summary>
        /// Registers a <see cref="PluginRegistry"/> whose options are read from a configuration
        /// section, e.g. <c>Extism:Registry</c> with <c>MaxLiveInstances</c>, <c>MaxCompiledModules</c>,
        /// <c>MemoryBudget</c> (bytes, or with KiB/MiB/GiB), <c>MaxInstancesPerPlugin</c>,
        /// <c>MaxConcurrentCompilations</c>, <c>BudgetWaitTimeout</c> (TimeSpan or milliseconds),
        /// <c>InstanceMemoryEstimate</c>, <c>ModuleMemoryBase</c>, <c>ModuleMemoryPerCodeByte</c> and
        /// <c>CompilationCache</c> with <c>Directory</c>, <c>ConfigFile</c> or <c>Disabled</c>.
        /// Unknown keys and bad values fail the start with messages naming the key. Read once, at start.
        /// </summary>
        /// <param name="services">The service collection.</param>
        /// <param name="configuration">The registry's section.</param>
        /// <param name="resolver">Makes the resolver from the root service provider, once.</param>
        /// <param name="configure">Applied after the section; null for nothing more.</param>
        /// <returns>The service collection.</returns>
        /// <exception cref="InvalidOperationException">A registry is already registered.</exception>
        public static IServiceCollection AddExtismRegistry(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, PluginResolver> resolver, Action<PluginRegistryOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(configuration);
            AddExtismRegistry(services, resolver);
            services.AddOptions<PluginRegistryOptions>().Configure(options =>
            {
                PluginRegistryConfiguration.Read(configuration, options);
                configure?.Invoke(options);
            });
            return services;
        }
    }

    /// <summary>Health checks for the Extism plug-in registry.</summary>
    public static class ExtismRegistryHealthChecksBuilderExtensions
    {
        /// <summary>
        /// Adds a health check named <c>extism:registry</c> for the registry registered with
        /// <c>AddExtismRegistry</c>. Healthy while calls get room; Degraded when calls were refused
        /// with a <see cref="PluginBudgetExceededException"/> since the previous check (the budgets
        /// are too small for the load); <paramref name="failureStatus"/> (default Unhealthy) once the
        /// registry is disposed. The data holds every budget's use and limit, and the evictions.
        /// </summary>
        /// <param name="builder">The health checks builder.</param>
        /// <param name="failureStatus">What a failure reports; null for Unhealthy.</param>
        /// <param name="tags">Tags to filter health checks by.</param>
        /// <returns>The builder.</returns>
        public static IHealthChecksBuilder AddExtismRegistry(this IHealthChecksBuilder builder, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            // One instance for the process: it remembers the refusals it already reported.
            builder.Services.TryAddSingleton(services => new PluginRegistryHealthCheck(
                services.GetRequiredService<PluginRegistry>(), services.GetRequiredService<IOptions<PluginRegistryOptions>>().Value));
            return builder.Add(new HealthCheckRegistration("extism:registry",
                services => services.GetRequiredService<PluginRegistryHealthCheck>(), failureStatus, tags));
        }
    }
}

namespace Extism.Sdk.Extensions.Hosting
{
    using Microsoft.Extensions.DependencyInjection;

    /// <summary>Makes the registry at start: its cache setting changes the process environment, which is safest before plug-ins compile.</summary>
    internal sealed class PluginRegistryStartup(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<PluginRegistry>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Reports budget use; Degraded when calls were refused for lack of room since the previous check.</summary>
    internal sealed class PluginRegistryHealthCheck(PluginRegistry registry, PluginRegistryOptions options) : IHealthCheck
    {
        private long _refusedBefore;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            long refused = registry.BudgetFailures;
            long newlyRefused = refused - Interlocked.Exchange(ref _refusedBefore, refused);
            var data = new Dictionary<string, object>
            {
                ["live_instances"] = registry.LiveInstances,
                ["max_live_instances"] = options.MaxLiveInstances,
                ["compiled_modules"] = registry.CompiledModules,
                ["max_compiled_modules"] = options.MaxCompiledModules,
                ["estimated_memory"] = registry.EstimatedMemory,
                ["evictions"] = registry.Evictions,
                ["budget_failures"] = refused,
            };
            if (options.MemoryBudget is { } budget) data["memory_budget"] = budget;
            if (registry.IsDisposed)
            {
                return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The Extism plug-in registry was disposed.", null, data));
            }
            if (newlyRefused > 0)
            {
                return Task.FromResult(HealthCheckResult.Degraded(
                    $"{newlyRefused} call(s) were refused since the last check: a registry budget stayed full of plug-ins in use (see PluginBudgetExceededException).", null, data));
            }
            return Task.FromResult(HealthCheckResult.Healthy(
                $"{registry.CompiledModules} plug-in(s) compiled, {registry.LiveInstances} instance(s) live.", data));
        }
    }
}

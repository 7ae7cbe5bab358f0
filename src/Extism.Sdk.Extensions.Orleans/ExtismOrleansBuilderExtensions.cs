using Extism.Sdk;
using Extism.Sdk.Extensions;
using Extism.Sdk.Extensions.Orleans;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Orleans.Hosting;

/// <summary>Registers Extism plug-in grains on a silo, and the <see cref="ExtismPluginCluster"/> client on a silo or a client.</summary>
public static class ExtismOrleansBuilderExtensions
{
    /// <summary>
    /// Makes this silo host plug-in grains: registers this silo's <see cref="PluginRegistry"/> (its
    /// budgets are this silo's; see <c>AddExtismRegistry</c> in Extism.Sdk.Extensions.Hosting), the
    /// bookkeeping the grains share, the cluster metrics, and an <see cref="ExtismPluginCluster"/>
    /// for code running on the silo.
    /// </summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="configuration">
    /// The Extism section, e.g. <c>Extism</c>: its <c>Registry</c> child gives the registry's budgets
    /// (the keys <c>AddExtismRegistry</c> reads) and its <c>Cluster</c> child the
    /// <see cref="ExtismClusterOptions"/> (<c>MaxAttempts</c>, <c>RetryDelay</c>, <c>Shards</c>). Unknown
    /// keys and bad values in either fail the start with the key's path. Read once, at start.
    /// </param>
    /// <param name="resolver">Makes the resolver from the silo's service provider, once; it runs on many threads.</param>
    /// <param name="configure">Applied to the registry options after the section; null for nothing more.</param>
    /// <returns>The silo builder.</returns>
    /// <exception cref="InvalidOperationException">A registry is already registered.</exception>
    public static ISiloBuilder AddExtismPlugins(this ISiloBuilder silo, IConfiguration configuration, Func<IServiceProvider, PluginResolver> resolver, Action<PluginRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        silo.Services.AddExtismRegistry(configuration.GetSection("Registry"), resolver, configure);
        AddSiloParts(silo.Services);
        AddCluster(silo.Services, configuration.GetSection("Cluster"), null);
        return silo;
    }

    /// <summary>Makes this silo host plug-in grains, with options from code.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="resolver">Makes the resolver from the silo's service provider, once; it runs on many threads.</param>
    /// <param name="configureRegistry">Sets this silo's registry budgets; null keeps the defaults.</param>
    /// <param name="configureCluster">Sets the silo's <see cref="ExtismPluginCluster"/> options; null keeps the defaults.</param>
    /// <returns>The silo builder.</returns>
    /// <exception cref="InvalidOperationException">A registry is already registered.</exception>
    public static ISiloBuilder AddExtismPlugins(this ISiloBuilder silo, Func<IServiceProvider, PluginResolver> resolver, Action<PluginRegistryOptions>? configureRegistry = null, Action<ExtismClusterOptions>? configureCluster = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddExtismRegistry(resolver, configureRegistry);
        AddSiloParts(silo.Services);
        AddCluster(silo.Services, null, configureCluster);
        return silo;
    }

    /// <summary>
    /// Registers <see cref="ExtismPluginCluster"/> on an Orleans client, so the application calls
    /// plug-ins by key on the cluster. The client needs no plug-in, resolver or libextism.
    /// </summary>
    /// <param name="client">The client builder.</param>
    /// <param name="configuration">The <c>Extism:Cluster</c> section (<c>MaxAttempts</c>, <c>RetryDelay</c>, <c>Shards</c>); null for none.</param>
    /// <param name="configure">Applied after the section; null for nothing more.</param>
    /// <returns>The client builder.</returns>
    public static IClientBuilder AddExtismPluginClient(this IClientBuilder client, IConfiguration? configuration = null, Action<ExtismClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        AddCluster(client.Services, configuration, configure);
        return client;
    }

    private static void AddSiloParts(IServiceCollection services)
    {
        services.TryAddSingleton<SiloPlugins>();
        // The registry's own instruments (meter Extism.Sdk) carry the silo too: several silos may share a process.
        services.AddOptions<PluginRegistryOptions>().Configure<ILocalSiloDetails>((options, silo) =>
            options.MetricTags = [new(ClusterMetrics.SiloTag, silo.Name), .. options.MetricTags ?? []]);
    }

    private static void AddCluster(IServiceCollection services, IConfiguration? section, Action<ExtismClusterOptions>? configure)
    {
        OptionsBuilder<ExtismClusterOptions> options = services.AddOptions<ExtismClusterOptions>();
        if (section is not null) options.Configure(o => ClusterConfiguration.Read(section, o));
        if (configure is not null) options.Configure(configure);
        // Checked when the host starts, before Orleans connects: a bad section fails the start with its key's path.
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExtismClusterOptions>>(new ValidateMethodValidator<ExtismClusterOptions>(static o => o.Validate())));
        services.TryAddSingleton(provider => new ExtismPluginCluster(provider.GetRequiredService<IGrainFactory>(), provider.GetRequiredService<IOptions<ExtismClusterOptions>>().Value));
    }
}

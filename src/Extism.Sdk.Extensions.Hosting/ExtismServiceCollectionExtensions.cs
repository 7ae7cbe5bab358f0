using Extism.Sdk;
using Extism.Sdk.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Extism plug-ins as keyed <see cref="PluginPool"/> singletons.</summary>
public static class ExtismServiceCollectionExtensions
{
    /// <summary>
    /// Registers a plug-in configured in code. Resolve it with
    /// <c>GetRequiredKeyedService&lt;PluginPool&gt;(name)</c> or <c>[FromKeyedServices(name)]</c>.
    /// The options are validated when the host starts; the pool is made then (compiling the
    /// plug-in), prewarmed, reloaded when a wasm file of the manifest changes, and drained at stop.
    /// The pool is disposed with the service provider.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The plug-in's name: its service key, its pool's name in metrics, its options name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for host functions taken from services.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    public static ExtismPluginBuilder AddExtismPlugin(this IServiceCollection services, string name, Action<ExtismPluginOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ExtismPluginBuilder builder = AddCore(services, name, null);
        services.AddOptions<ExtismPluginOptions>(name).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers a plug-in bound from a configuration section, e.g.
    /// <c>builder.Configuration.GetSection("Extism:Plugins:vowels")</c> (keys: <c>Wasm</c> list of
    /// <c>Path</c>|<c>Url</c>, <c>Hash</c>, <c>Name</c>; <c>AllowedHosts</c>, <c>AllowedPaths</c>,
    /// <c>Config</c>, <c>Timeout</c>, <c>Memory</c>, <c>Wasi</c>, <c>FuelLimit</c>, <c>Pool</c>
    /// with <c>MaxSize</c>, <c>Isolation</c>, <c>RentTimeout</c>, <c>Prewarm</c>; <c>Untrusted</c>: true
    /// starts from <see cref="Manifest.Untrusted"/> and <see cref="PluginInitializationOptions.Untrusted"/>,
    /// each other key overriding its one field). Unknown keys and bad
    /// values fail the start with messages naming the key. A change of the section (with a
    /// configuration source that reloads) reloads the plug-in, as a change of its wasm file does; a
    /// change that does not validate or compile is logged and the running code stays.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The plug-in's name: its service key, its pool's name in metrics, its options name.</param>
    /// <param name="configuration">The plug-in's section.</param>
    /// <returns>A builder for host functions taken from services.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    public static ExtismPluginBuilder AddExtismPlugin(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ExtismPluginBuilder builder = AddCore(services, name, configuration);
        services.AddOptions<ExtismPluginOptions>(name).Configure(options => ExtismPluginConfiguration.Read(configuration, options));
        return builder;
    }

    private static ExtismPluginBuilder AddCore(IServiceCollection services, string name, IConfiguration? configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ExtismPluginRegistration) && descriptor.ImplementationInstance is ExtismPluginRegistration existing && existing.Name == name)
            {
                throw new ArgumentException($"An Extism plug-in named '{name}' is already registered.", nameof(name));
            }
        }
        var registration = new ExtismPluginRegistration(name, configuration);
        services.AddSingleton(registration);
        services.AddOptions<ExtismPluginOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExtismPluginOptions>, ExtismPluginOptionsValidator>());
        services.AddKeyedSingleton(name, (provider, key) => new PluginRuntime(registration, provider));
        services.AddKeyedSingleton(name, (provider, key) => provider.GetRequiredKeyedService<PluginRuntime>(key).Pool);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExtismPluginHostedService>());
        return new ExtismPluginBuilder(services, registration);
    }
}

using Extism.Sdk;
using Extism.Sdk.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Extism plug-ins as keyed <see cref="PluginPool"/> (in-process) or <see cref="ExtismIsolatedPlugin"/> (worker processes) singletons.</summary>
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
        ExtismPluginRegistration registration = AddCore(services, name, null, isolated: false);
        services.AddOptions<ExtismPluginOptions>(name).Configure(configure);
        return new ExtismPluginBuilder(services, registration);
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
        ExtismPluginRegistration registration = AddCore(services, name, configuration, isolated: false);
        services.AddOptions<ExtismPluginOptions>(name).Configure(options => ExtismPluginConfiguration.Read(configuration, options));
        return new ExtismPluginBuilder(services, registration);
    }

    /// <summary>
    /// Registers a plug-in that runs in worker processes (<see cref="IsolatedPluginPool"/>), configured
    /// in code: a crash, hang or runaway memory in the plug-in or in libextism costs one worker and
    /// the call it was running, not the host. Resolve it as a keyed <see cref="ExtismIsolatedPlugin"/>
    /// (<c>[FromKeyedServices(name)] ExtismIsolatedPlugin plugin</c>). The options are validated when
    /// the host starts (<see cref="ExtismPluginOptions.Worker"/> sets the workers; <see cref="ExtismPluginOptions.FuelLimit"/>
    /// applies in each worker), at least one worker is started then (so a plug-in that does
    /// not load stops the start), the plug-in is reloaded when a wasm file of the manifest changes
    /// (a new pool swapped in once its first worker is up; the old one ends after its running
    /// calls), and its workers end with the service provider.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The plug-in's name: its service key, its pool's name in metrics, its options name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for host functions taken from services.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    public static ExtismIsolatedPluginBuilder AddExtismIsolatedPlugin(this IServiceCollection services, string name, Action<ExtismPluginOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ExtismPluginRegistration registration = AddCore(services, name, null, isolated: true);
        services.AddOptions<ExtismPluginOptions>(name).Configure(options =>
        {
            options.Isolated = true;
            configure(options);
        });
        return new ExtismIsolatedPluginBuilder(services, registration);
    }

    /// <summary>
    /// Registers a plug-in that runs in worker processes, bound from a configuration section: the
    /// keys of <see cref="AddExtismPlugin(IServiceCollection, string, IConfiguration)"/> except
    /// <c>Pool</c>, plus <c>Worker</c> with <c>MaxWorkers</c>, <c>CallDeadline</c>,
    /// <c>MaxWorkerMemory</c> (bytes, or with KiB/MiB/GiB), <c>MaxWorkerCpuTime</c>, <c>WorkerPath</c>, <c>WorkerStartTimeout</c>,
    /// <c>CancelGracePeriod</c>, <c>Prewarm</c> and <c>Name</c>. Unknown keys and bad values fail the
    /// start naming the key; a change of the section reloads the plug-in, as a change of its wasm file does.
    /// </summary>
    /// <remarks>Otherwise as <see cref="AddExtismIsolatedPlugin(IServiceCollection, string, Action{ExtismPluginOptions})"/>: validated and started with the host, reloaded on change, ended with the service provider.</remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The plug-in's name: its service key, its pool's name in metrics, its options name.</param>
    /// <param name="configuration">The plug-in's section.</param>
    /// <returns>A builder for host functions taken from services.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or already registered.</exception>
    public static ExtismIsolatedPluginBuilder AddExtismIsolatedPlugin(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ExtismPluginRegistration registration = AddCore(services, name, configuration, isolated: true);
        services.AddOptions<ExtismPluginOptions>(name).Configure(options =>
        {
            options.Isolated = true;
            ExtismPluginConfiguration.Read(configuration, options);
        });
        return new ExtismIsolatedPluginBuilder(services, registration);
    }

    private static ExtismPluginRegistration AddCore(IServiceCollection services, string name, IConfiguration? configuration, bool isolated)
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
        var registration = new ExtismPluginRegistration(name, configuration, isolated);
        services.AddSingleton(registration);
        services.AddOptions<ExtismPluginOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExtismPluginOptions>, ExtismPluginOptionsValidator>());
        if (isolated)
        {
            services.AddKeyedSingleton(name, (provider, key) => new IsolatedPluginRuntime(registration, provider));
            services.AddKeyedSingleton(name, (provider, key) => provider.GetRequiredKeyedService<IsolatedPluginRuntime>(key).Plugin);
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, key) => new PluginRuntime(registration, provider));
            services.AddKeyedSingleton(name, (provider, key) => provider.GetRequiredKeyedService<PluginRuntime>(key).Pool);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExtismPluginHostedService>());
        return registration;
    }
}

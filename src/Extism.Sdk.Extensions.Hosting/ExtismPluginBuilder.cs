using Extism.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>Returned by <c>AddExtismPlugin</c>: adds what the named plug-in gets from the service provider.</summary>
public sealed class ExtismPluginBuilder
{
    private readonly ExtismPluginRegistration _registration;

    internal ExtismPluginBuilder(IServiceCollection services, ExtismPluginRegistration registration)
    {
        Services = services;
        _registration = registration;
    }

    /// <summary>The plug-in's name: the service key of its <see cref="PluginPool"/>.</summary>
    public string Name => _registration.Name;

    /// <summary>The service collection the plug-in was added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds host functions made from services. <paramref name="factory"/> runs once, when the
    /// pool is first made (at host start), with the root service provider; the functions it
    /// returns serve every instance and every reloaded generation, on many threads at once, so
    /// take only singleton (thread-safe) services into them. May be called several times.
    /// </summary>
    /// <returns>This builder.</returns>
    public ExtismPluginBuilder AddHostFunctions(Func<IServiceProvider, IEnumerable<HostFunction>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _registration.HostFunctionFactories.Add(factory);
        return this;
    }
}

/// <summary>What AddExtismPlugin or AddExtismIsolatedPlugin recorded for one name: where its options come from and its host-function factories.</summary>
internal sealed class ExtismPluginRegistration(string name, IConfiguration? configuration, bool isolated = false)
{
    internal string Name { get; } = name;

    /// <summary>Registered with AddExtismIsolatedPlugin: the plug-in runs in worker processes.</summary>
    internal bool Isolated { get; } = isolated;

    /// <summary>The bound section, watched for changes; null when configured in code.</summary>
    internal IConfiguration? Configuration { get; } = configuration;

    internal List<Func<IServiceProvider, IEnumerable<HostFunction>>> HostFunctionFactories { get; } = [];

    internal List<Func<IServiceProvider, IEnumerable<IsolatedHostFunction>>> IsolatedHostFunctionFactories { get; } = [];

    internal IsolatedHostFunction[] CreateIsolatedHostFunctions(IServiceProvider services)
    {
        var functions = new List<IsolatedHostFunction>();
        foreach (var factory in IsolatedHostFunctionFactories)
        {
            foreach (IsolatedHostFunction function in factory(services) ?? [])
            {
                functions.Add(function ?? throw new InvalidOperationException($"A host-function factory of Extism plug-in '{Name}' returned a null function."));
            }
        }
        return [.. functions];
    }

    internal HostFunction[] CreateHostFunctions(IServiceProvider services)
    {
        var functions = new List<HostFunction>();
        foreach (var factory in HostFunctionFactories)
        {
            foreach (HostFunction function in factory(services) ?? [])
            {
                functions.Add(function ?? throw new InvalidOperationException($"A host-function factory of Extism plug-in '{Name}' returned a null function."));
            }
        }
        return [.. functions];
    }
}

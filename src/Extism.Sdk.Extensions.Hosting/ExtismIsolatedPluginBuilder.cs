using Extism.Sdk;
using Microsoft.Extensions.DependencyInjection;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>Returned by <c>AddExtismIsolatedPlugin</c>: adds what the named plug-in gets from the service provider.</summary>
public sealed class ExtismIsolatedPluginBuilder
{
    private readonly ExtismPluginRegistration _registration;

    internal ExtismIsolatedPluginBuilder(IServiceCollection services, ExtismPluginRegistration registration)
    {
        Services = services;
        _registration = registration;
    }

    /// <summary>The plug-in's name: the service key of its <see cref="ExtismIsolatedPlugin"/>.</summary>
    public string Name => _registration.Name;

    /// <summary>The service collection the plug-in was added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds host functions made from services, e.g. <c>sp => sp.GetRequiredService&lt;MyHost&gt;().GetIsolatedHostFunctions()</c>.
    /// <paramref name="factory"/> runs once, when the plug-in is first made (at host start), with
    /// the root service provider; the functions serve every worker and every reloaded generation,
    /// in this process and on many threads at once, so take only singleton (thread-safe) services
    /// into them. May be called several times.
    /// </summary>
    /// <returns>This builder.</returns>
    public ExtismIsolatedPluginBuilder AddHostFunctions(Func<IServiceProvider, IEnumerable<IsolatedHostFunction>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _registration.IsolatedHostFunctionFactories.Add(factory);
        return this;
    }
}

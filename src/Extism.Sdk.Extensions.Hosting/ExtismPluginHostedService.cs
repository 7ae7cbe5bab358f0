using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// Makes every registered plug-in's pool when the host starts (so a plug-in that does not
/// compile, or whose worker does not start, stops the start), prewarms it, and drains it at stop.
/// </summary>
/// <remarks>
/// The drain runs in <see cref="StoppedAsync"/>, after every hosted service has stopped: by then
/// the web server has stopped taking requests and waited for the running ones, so what is left
/// are calls that outlived that wait. Those get the rest of the host's shutdown timeout (the
/// token), and are cancelled when it runs out, so the process can exit.
/// </remarks>
internal sealed class ExtismPluginHostedService(IServiceProvider services, IEnumerable<ExtismPluginRegistration> registrations) : IHostedLifecycleService
{
    private readonly ILogger _logger = services.GetService<ILoggerFactory>()?.CreateLogger("Extism.Sdk.Extensions.Hosting") ?? NullLogger.Instance;

    // Resolved once at start: by StoppedAsync the host (a test's WebApplicationFactory, for one)
    // may already have disposed the service provider, which then refuses every lookup.
    private PluginRuntimeBase[] _runtimes = [];

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _runtimes = [.. registrations.Select(r => r.Isolated
            ? (PluginRuntimeBase)services.GetRequiredKeyedService<IsolatedPluginRuntime>(r.Name)
            : services.GetRequiredKeyedService<PluginRuntime>(r.Name))];
        foreach (PluginRuntimeBase runtime in _runtimes) await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        PluginRuntimeBase[] runtimes = _runtimes;
        bool[] drained = await Task.WhenAll(runtimes.Select(r => r.DrainAsync(cancellationToken))).ConfigureAwait(false);
        for (int i = 0; i < runtimes.Length; i++)
        {
            if (!drained[i])
            {
                _logger.LogWarning("Extism plug-in '{Plugin}': calls still running when the shutdown timeout ran out were cancelled.", runtimes[i].Name);
            }
        }
    }
}

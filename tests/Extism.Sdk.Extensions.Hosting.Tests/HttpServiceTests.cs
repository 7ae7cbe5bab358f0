using System.Collections.Concurrent;
using System.Net;
using Extism.Sdk;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>The HttpService sample under WebApplicationFactory: keyed pool in endpoints, health, and reloads under load.</summary>
public sealed class HttpServiceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The sample with its plug-in replaced by a file in a temporary directory.</summary>
    private WebApplicationFactory<Program> Sample(string wasmPath) => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseSetting("Extism:Plugins:vowels:Wasm:0:Path", wasmPath);
        web.UseSetting("Extism:Plugins:vowels:ReloadDebounce", "50");
        web.UseSetting("Extism:Plugins:vowels:Pool:MaxSize", "4");
    });

    [Fact]
    public async Task TheSampleServesThePluginFromItsConfigurationAndReportsHealth()
    {
        await using var app = new WebApplicationFactory<Program>();
        using HttpClient client = app.CreateClient();
        string answer = await client.GetStringAsync("/vowels?text=Hello%20World");
        Assert.Contains("\"count\":3", answer);
        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
        Assert.Same(app.Services.GetRequiredKeyedService<PluginPool>("vowels"), app.Services.GetRequiredKeyedService<PluginPool>("vowels"));
    }

    /// <summary>Clients that call the service in a loop and keep every answer, in order, per client.</summary>
    private sealed class Load(HttpClient client, int clients) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        internal readonly ConcurrentQueue<string>[] Answers = Enumerable.Range(0, clients).Select(_ => new ConcurrentQueue<string>()).ToArray();
        internal readonly ConcurrentQueue<string> Failures = new();
        private Task[] _tasks = [];

        internal void Start() => _tasks = Answers.Select(queue => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using HttpResponseMessage response = await client.GetAsync("/vowels?text=x");
                string body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) Failures.Enqueue($"{(int)response.StatusCode}: {body}");
                else queue.Enqueue(body);
            }
        })).ToArray();

        internal bool EveryClientSaw(string answer) => Answers.All(q => q.Contains(answer));

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await Task.WhenAll(_tasks); // a request that threw fails the test here
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task ReplacingTheWasmFileUnderLoadChangesTheAnswersWithoutAFailedRequest()
    {
        string wasm = _dir.File("plugin.wasm");
        File.WriteAllText(wasm, TestWasm.Answering("A"));
        await using WebApplicationFactory<Program> app = Sample(wasm);
        using HttpClient client = app.CreateClient();
        Assert.Equal("A", await client.GetStringAsync("/vowels"));
        PluginPool pool = app.Services.GetRequiredKeyedService<PluginPool>("vowels");

        var load = new Load(client, clients: 4);
        await using (load)
        {
            load.Start();
            await Wait.Until(() => load.EveryClientSaw("A"), "every client to be served");
            TestWasm.ReplaceByRename(wasm, TestWasm.Answering("B"));            // as deploy tools do
            await Wait.Until(() => load.EveryClientSaw("B"), "every client to see the renamed-over file");
            File.WriteAllText(wasm, TestWasm.Answering("C"));                     // written in place
            await Wait.Until(() => load.EveryClientSaw("C"), "every client to see the file written in place");
        }
        Assert.Empty(load.Failures);
        foreach (ConcurrentQueue<string> answers in load.Answers)
        {
            // The swap is atomic: once a client got the new code, it never gets the old again.
            string[] seen = [.. answers];
            Assert.All(seen, a => Assert.Contains(a, new[] { "A", "B", "C" }));
            Assert.Equal(seen.OrderBy(a => a, StringComparer.Ordinal), seen);
        }
        Assert.Same(pool, app.Services.GetRequiredKeyedService<PluginPool>("vowels"));
        Assert.True(pool.Generation >= 3);
    }

    [Fact]
    public async Task ABrokenReplacementKeepsTheOldPluginServing()
    {
        string wasm = _dir.File("plugin.wasm");
        File.WriteAllText(wasm, TestWasm.Answering("A"));
        await using WebApplicationFactory<Program> app = Sample(wasm);
        using HttpClient client = app.CreateClient();
        Assert.Equal("A", await client.GetStringAsync("/vowels"));
        PluginRuntime runtime = app.Services.GetRequiredKeyedService<PluginRuntime>("vowels");
        int generation = runtime.Pool.Generation;

        var load = new Load(client, clients: 2);
        await using (load)
        {
            load.Start();
            int attempts = runtime.ReloadAttempts;
            TestWasm.ReplaceByRename(wasm, "this is not WebAssembly");
            await Wait.Until(() => runtime.ReloadAttempts > attempts && runtime.LastReloadError is not null, "the broken file to be refused");
            Assert.Equal("A", await client.GetStringAsync("/vowels"));
            Assert.StartsWith("Degraded", await client.GetStringAsync("/health"));

            TestWasm.ReplaceByRename(wasm, TestWasm.Answering("B"));
            await Wait.Until(() => load.EveryClientSaw("B"), "the fixed file to be served");
        }
        Assert.Empty(load.Failures);
        Assert.Equal(generation + 1, runtime.Pool.Generation);
        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
    }
}

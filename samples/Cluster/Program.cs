// A tenant-facing HTTP API on a three-silo Orleans cluster on 127.0.0.1. Each process is one silo
// (Extism.Sdk.Extensions.Orleans: a grain per plug-in key, compiled on one silo at a time inside
// that silo's PluginRegistry budgets) and also serves HTTP; a request can land on any silo and is
// routed to the silo that holds the tenant's plug-in.
//
//   SILO=0|1|2 dotnet run --project samples/Cluster   silo N: cluster port 11111+N, gateway 30000+N, HTTP 5100+N
//   GET  /tenants/{tenant}/vowels?text=Hello   -> count_vowels for that tenant, and which silo ran it
//   GET  /tenants/{tenant}/where               -> which silo holds the tenant's plug-in now
//   POST /tenants/{tenant}/invalidate          -> forget the compiled plug-in on every silo
//   GET  /health                               -> "ok" and this silo's name
//
// Silo 0 is the primary: localhost clustering keeps the membership table in it, so stop silo 1 or
// 2 to watch tenants move (samples/Cluster/run.sh does it). Production clustering (Redis, ADO.NET,
// Azure, Kubernetes) has no such primary.
using System.Net;
using Extism.Sdk;
using Extism.Sdk.Extensions.Orleans;
using Orleans.Configuration;

int silo = int.TryParse(Environment.GetEnvironmentVariable("SILO"), out int n) && n is >= 0 and < 10 ? n : 0;
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 5100 + silo));
string wasm = Path.Combine(AppContext.BaseDirectory, "count_vowels.wasm");

builder.UseOrleans(orleans =>
{
    orleans.UseLocalhostClustering(11111 + silo, 30000 + silo, new IPEndPoint(IPAddress.Loopback, 11111), "extism-sample", "extism-sample");
    orleans.Configure<SiloOptions>(o => o.SiloName = $"silo-{silo}");
    // A killed silo is declared dead in a few seconds (the defaults are made for real networks).
    orleans.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
    });
    // The one line that makes this silo host plug-in grains: budgets and client options from
    // appsettings.json (Extism:Registry, Extism:Cluster), the resolver from DI.
    orleans.AddExtismPlugins(builder.Configuration.GetSection("Extism"), _ => (key, _) =>
        // Every tenant runs count_vowels; a real service would look the key up in its plug-in store.
        key.EndsWith("/vowels@1", StringComparison.Ordinal)
            ? ValueTask.FromResult(new PluginDefinition(new Manifest(new PathWasmSource(wasm))))
            : throw new KeyNotFoundException($"No plug-in is registered under '{key}'."));
});

var app = builder.Build();
string self = $"silo-{silo}";

app.MapGet("/health", () => Results.Text($"ok {self}\n"));

app.MapGet("/tenants/{tenant}/vowels", async (string tenant, string? text, ExtismPluginCluster plugins, HttpContext http) =>
{
    string key = $"{tenant}/vowels@1";
    try
    {
        string output = await plugins.CallAsync(key, "count_vowels", text ?? "", http.RequestAborted);
        PluginGrainStatus where = await plugins.GetGrain(key).GetStatusAsync();
        return Results.Text($"{{\"tenant\":\"{tenant}\",\"ranOn\":\"{where.Silo}\",\"askedVia\":\"{self}\",\"result\":{output}}}\n", "application/json");
    }
    catch (PluginCallException e) when (e.Failure == PluginCallFailure.KeyNotFound)
    {
        return Results.NotFound(e.Message);
    }
});

app.MapGet("/tenants/{tenant}/where", async (string tenant, ExtismPluginCluster plugins) =>
{
    PluginGrainStatus where = await plugins.GetGrain($"{tenant}/vowels@1").GetStatusAsync();
    return Results.Text($"{tenant}: {where.Silo} ({where.SiloAddress}), compiled: {where.Compiled}, calls on this activation: {where.Calls}\n");
});

app.MapPost("/tenants/{tenant}/invalidate", async (string tenant, ExtismPluginCluster plugins) =>
{
    await plugins.InvalidateAsync($"{tenant}/vowels@1");
    return Results.Text($"{tenant}: invalidated on every silo\n");
});

app.Run();

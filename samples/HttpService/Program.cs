// A minimal HTTP API that runs a WebAssembly plug-in for every request, wired the way a .NET
// service wires its parts: the plug-in comes from appsettings.json (Extism:Plugins:vowels) through
// Extism.Sdk.Extensions.Hosting, which registers a keyed PluginPool, validates the settings at
// start, reloads the plug-in when count_vowels.wasm or the settings change, prewarms at start
// and drains at stop.
//
//   GET  /vowels?text=Hello     -> count_vowels' JSON for "Hello"
//   POST /vowels   (body text)  -> the same for the request body
//   GET  /health                -> the plug-in's health check (Healthy / Degraded / Unhealthy)
//   GET  /metrics               -> Prometheus metrics, when Telemetry:Enabled is true
//
// Telemetry:Enabled=true (or TELEMETRY__ENABLED=true) turns on OpenTelemetry for the Extism.Sdk
// meter and activity source: metrics on /metrics, traces to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
// Listens on 127.0.0.1 only, port 5088 unless PORT is set.
using System.Net;
using Extism.Sdk;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// appsettings.json is read from the app's own directory, wherever the process was started from.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
int port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 5088;
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

// <register>
builder.Services.AddExtismPlugin("vowels", builder.Configuration.GetSection("Extism:Plugins:vowels"));
builder.Services.AddHealthChecks().AddExtismPlugin("vowels");
// </register>

bool telemetry = builder.Configuration.GetValue<bool>("Telemetry:Enabled");
if (telemetry)
{
    builder.Services.AddOpenTelemetry()
        .WithMetrics(metrics => metrics.AddMeter("Extism.Sdk").AddPrometheusExporter())
        .WithTracing(tracing =>
        {
            tracing.AddSource("Extism.Sdk").SetSampler(new AlwaysOnSampler());
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))) tracing.AddOtlpExporter();
        });
}

var app = builder.Build();

// A pool that stays busy past its RentTimeout throws TimeoutException: that is overload, not a bug.
app.Use(async (http, next) =>
{
    try
    {
        await next(http);
    }
    catch (TimeoutException) when (!http.Response.HasStarted)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
    }
});

app.MapHealthChecks("/health", new HealthCheckOptions
{
    // Degraded (e.g. a reload failed, the old plug-in still serves) is still able to serve.
    ResultStatusCodes = { [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded] = StatusCodes.Status200OK },
});
if (telemetry) app.MapPrometheusScrapingEndpoint();

// count_vowels keeps a running total per instance, so "total" depends on which pooled instance
// served the request; "count" is what belongs to this request.
app.MapGet("/vowels", (string? text, [FromKeyedServices("vowels")] PluginPool pool, HttpContext http) =>
    Results.Text(pool.Call("count_vowels", text ?? "", http.RequestAborted), "application/json"));

app.MapPost("/vowels", async (HttpRequest request, [FromKeyedServices("vowels")] PluginPool pool) =>
{
    using var reader = new StreamReader(request.Body);
    string text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    return Results.Text(await pool.CallAsync("count_vowels", text, request.HttpContext.RequestAborted), "application/json");
});

app.Run();

/// <summary>The entry point, public for WebApplicationFactory in the hosting tests.</summary>
public partial class Program;

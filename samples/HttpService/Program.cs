// A minimal HTTP API that runs a WebAssembly plug-in for every request.
//
// A Plugin serves one call at a time, so a web server needs several. The plug-in is compiled
// once (CompiledPlugin) and a PluginPool hands out instances of it, at most one per core by
// default: a request rents one, calls it, and gives it back; requests beyond that wait.
//
//   GET  /vowels?text=Hello     -> count_vowels' JSON for "Hello"
//   POST /vowels   (body text)  -> the same for the request body
//   GET  /health                -> "ok"
//
// Listens on 127.0.0.1 only, port 5088 unless PORT is set.
using System.Net;
using Extism.Sdk;

var builder = WebApplication.CreateSlimBuilder(args);
int port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 5088;
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
// Per-request Information lines would cost more than the plug-in call itself.
// (Extism.Sdk has a LogLevel of its own, hence the full name.)
builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning);

string wasm = Path.Combine(AppContext.BaseDirectory, "count_vowels.wasm");
// Singletons are disposed by the host at shutdown, the pool before the code it was made from.
builder.Services.AddSingleton(_ => new CompiledPlugin(new Manifest(new PathWasmSource(wasm)), [], withWasi: false));
builder.Services.AddSingleton(services => new PluginPool(services.GetRequiredService<CompiledPlugin>(), new PluginPoolOptions
{
    MaxSize = Environment.ProcessorCount,
    // Under overload, answer 503 rather than queueing requests without bound.
    RentTimeout = TimeSpan.FromSeconds(5),
}));

var app = builder.Build();

// A pool that stays busy past RentTimeout throws TimeoutException: that is overload, not a bug.
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

app.MapGet("/health", () => "ok");

// count_vowels keeps a running total per instance, so "total" depends on which pooled instance
// served the request; "count" is what belongs to this request.
app.MapGet("/vowels", (string? text, PluginPool pool, HttpContext http) =>
    Results.Text(pool.Call("count_vowels", text ?? "", http.RequestAborted), "application/json"));

app.MapPost("/vowels", async (HttpRequest request, PluginPool pool) =>
{
    using var reader = new StreamReader(request.Body);
    string text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    return Results.Text(await pool.CallAsync("count_vowels", text, request.HttpContext.RequestAborted), "application/json");
});

app.Run();

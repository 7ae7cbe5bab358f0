using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using Xunit;

namespace Extism.Sdk.Extensions.Orleans.Tests;

/// <summary>The Cluster section read by hand: values, shards, and refusals naming the key.</summary>
public sealed class ConfigurationTests
{
    private static IConfigurationSection Section(params (string Key, string Value)[] values) => new ConfigurationBuilder()
        .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Extism:Cluster:" + v.Key, v.Value)))
        .Build().GetSection("Extism:Cluster");

    [Fact]
    public void ReadsAttemptsDelayAndShards()
    {
        var options = new ExtismClusterOptions();
        ClusterConfiguration.Read(Section(("MaxAttempts", "5"), ("RetryDelay", "00:00:01"), ("Shards:acme/hot@2", "4")), options);
        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RetryDelay);
        Assert.Equal(4, options.ShardsOf("acme/hot@2"));
        Assert.Equal(1, options.ShardsOf("acme/cold@1"));

        ClusterConfiguration.Read(Section(("RetryDelay", "250")), options);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RetryDelay);
    }

    [Fact]
    public void RefusesUnknownKeysAndBadValuesWithTheirPaths()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ClusterConfiguration.Read(
            Section(("MaxAtempts", "5"), ("RetryDelay", "soon"), ("Shards:k", "many")), new ExtismClusterOptions()));
        Assert.Contains("Extism:Cluster:MaxAtempts: unknown setting", e.Message);
        Assert.Contains("Extism:Cluster:RetryDelay: 'soon'", e.Message);
        Assert.Contains("Extism:Cluster:Shards:k: 'many'", e.Message);
    }

    [Fact]
    public void ValidateNamesTheOptionOutOfRange()
    {
        Assert.Equal("MaxAttempts", Assert.Throws<ArgumentOutOfRangeException>(() => new ExtismClusterOptions { MaxAttempts = 0 }.Validate()).ParamName);
        var options = new ExtismClusterOptions();
        options.Shards["k"] = 0;
        Assert.Contains("Shards['k']", Assert.Throws<ArgumentOutOfRangeException>(options.Validate).Message);
    }

    [Fact]
    public void TransientFailuresAreTheOnesARetryCanFix()
    {
        Assert.True(ExtismPluginCluster.IsTransient(new PluginCallException("k", PluginCallFailure.SiloStopping, "stopping")));
        Assert.True(ExtismPluginCluster.IsTransient(new global::Orleans.Runtime.SiloUnavailableException()));
        Assert.False(ExtismPluginCluster.IsTransient(new PluginCallException("k", PluginCallFailure.BudgetExceeded, "full")));
        Assert.False(ExtismPluginCluster.IsTransient(new PluginCallException("k", PluginCallFailure.Plugin, "trap") { ErrorKind = ExtismErrorKind.Timeout }));
    }
}

/// <summary>The client's registration: a bad Cluster section fails the host's start, before Orleans connects anywhere.</summary>
public sealed class ClientRegistrationTests
{
    [Fact]
    public async Task ABadClusterSectionFailsTheStartNamingTheKey()
    {
        IConfiguration settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extism:Cluster:MaxAtempts"] = "3",
        }).Build();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        Microsoft.Extensions.Hosting.OrleansClientGenericHostExtensions.UseOrleansClient(builder, client =>
            client.UseLocalhostClustering().AddExtismPluginClient(settings.GetSection("Extism:Cluster")));
        using var host = builder.Build();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("Extism:Cluster:MaxAtempts: unknown setting", e.ToString());
    }

    [Fact]
    public async Task AnOutOfRangeOptionFailsTheStartNamingIt()
    {
        // Read without complaint, refused by the options validator (ValidateOnStart).
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        Microsoft.Extensions.Hosting.OrleansClientGenericHostExtensions.UseOrleansClient(builder, client =>
            client.UseLocalhostClustering().AddExtismPluginClient(configure: o => o.MaxAttempts = 0));
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MaxAttempts", e.Message);
    }
}

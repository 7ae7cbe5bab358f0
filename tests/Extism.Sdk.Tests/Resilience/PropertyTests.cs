using Xunit;
using Xunit.Abstractions;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// The CsCheck properties (Properties.cs explains the invariants), each with
/// EXTISM_PROPERTY_ITERATIONS cases (default 300). A failure message holds CsCheck's seed and
/// how to replay it (CsCheck_Seed).
/// </summary>
[Collection(PropertyCollection.Name)]
public class PropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void GeneratedManifestObjects() => ManifestProperties.ManifestObjects(output.WriteLine);

    [Fact]
    public void GeneratedRawJsonManifests() => ManifestProperties.RawJsonManifests(output.WriteLine);

    [Fact]
    public void GeneratedExportNamesAndInputs() => CallProperties.ExportsAndInputs(output.WriteLine);

    [Fact]
    public void GeneratedHostFunctionBehaviours() => CallProperties.HostBehaviours(output.WriteLine);

    [Fact]
    public void GeneratedCancelAndDisposeTimings() => CallProperties.CancelDisposeTimings(output.WriteLine);
}

/// <summary>The properties run one after another (not beside each other), so their timings and, later, leak counts are their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PropertyCollection
{
    public const string Name = "Properties";
}

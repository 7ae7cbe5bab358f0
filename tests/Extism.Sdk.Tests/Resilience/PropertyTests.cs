using Xunit;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// The CsCheck properties (Properties.cs explains the invariants), each with
/// EXTISM_PROPERTY_ITERATIONS cases (default 300). A failure message holds CsCheck's seed and
/// how to replay it (CsCheck_Seed). The class runs alone and ends with every leak count back
/// where it started (LeakCheck).
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class PropertyTests(ITestOutputHelper output) : IClassFixture<LeakCheck>
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

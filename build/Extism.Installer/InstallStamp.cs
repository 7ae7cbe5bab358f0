using System.Text.Json;
using System.Text.Json.Serialization;

namespace Extism.Installer;

/// <summary>
/// What was installed for one RID, kept at <c>&lt;output&gt;/&lt;rid&gt;/.libextism-install.json</c>:
/// beside the <c>native</c> folder rather than in it, because that folder is packed as is.
/// The native package projects read <c>version</c> from it to version their packages.
/// </summary>
/// <param name="Version">libextism version, as spelled in the release assets.</param>
/// <param name="Target">Rust target triple of the build.</param>
/// <param name="Rid">.NET runtime identifier.</param>
/// <param name="Sha256">SHA-256 of the verified release tarball.</param>
/// <param name="Library">Library path relative to the RID folder.</param>
/// <param name="LibrarySha256">SHA-256 of the installed library, to notice a file changed since.</param>
/// <param name="Source">Where the tarball came from.</param>
internal sealed record InstallStamp(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("rid")] string Rid,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("library")] string Library,
    [property: JsonPropertyName("librarySha256")] string LibrarySha256,
    [property: JsonPropertyName("source")] string Source)
{
    public const string FileName = ".libextism-install.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Reads the stamp in <paramref name="ridDirectory"/>; null when absent or unreadable.</summary>
    public static InstallStamp? TryRead(string ridDirectory)
    {
        try
        {
            var path = Path.Combine(ridDirectory, FileName);
            return File.Exists(path) ? JsonSerializer.Deserialize<InstallStamp>(File.ReadAllText(path), Options) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // A damaged stamp only means "not known to be installed": the install runs again.
            return null;
        }
    }

    public void Write(string ridDirectory) =>
        File.WriteAllText(Path.Combine(ridDirectory, FileName), JsonSerializer.Serialize(this, Options) + "\n");
}

using Extism.Installer.Tests.Support;

namespace Extism.Installer.Tests;

public sealed class SafeTarExtractionTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _target;

    public SafeTarExtractionTests()
    {
        // Extract one level down so an escape to the parent would be visible.
        _target = Directory.CreateDirectory(_temp.Combine("target")).FullName;
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_library_and_license_are_written_where_the_caller_says()
    {
        var found = Extract(Tarball.Release().Directory("include/").File("include/extism.h", [1, 2, 3]));
        Assert.Equal(["LICENSE", "libextism.so"], found.Order(StringComparer.Ordinal));
        Assert.Equal(Tarball.FakeLibrary, File.ReadAllBytes(Path.Combine(_target, "libextism.so")));
        Assert.Equal(Tarball.FakeLicense, File.ReadAllBytes(Path.Combine(_target, "LICENSE")));
        Assert.False(File.Exists(Path.Combine(_target, "extism.h")));
    }

    [Fact]
    public void Files_in_a_subfolder_are_found_by_name()
    {
        var found = Extract(new Tarball().Directory("dist/").File("dist/libextism.so", Tarball.FakeLibrary));
        Assert.Equal(["libextism.so"], found);
    }

    [Fact]
    public void A_missing_file_is_reported_as_not_found_rather_than_thrown()
    {
        var found = Extract(new Tarball().File("LICENSE", Tarball.FakeLicense));
        Assert.DoesNotContain("libextism.so", found);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("ok/../../evil")]
    [InlineData("..\\evil")]
    [InlineData("/tmp/extism-evil")]
    [InlineData("C:/evil")]
    public void An_entry_escaping_the_root_is_refused_even_when_not_wanted(string name)
    {
        var ex = Assert.Throws<InstallerException>(() => Extract(Tarball.Release().File(name, [6, 6, 6])));
        Assert.Equal(ExitCode.CorruptArchive, ex.Code);
        Assert.Contains(name, ex.What, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("evil")));
        Assert.False(File.Exists("/tmp/extism-evil"));
    }

    [Fact]
    public void A_symbolic_link_is_refused()
    {
        var ex = Assert.Throws<InstallerException>(() => Extract(new Tarball().SymbolicLink("libextism.so", "/etc/passwd")));
        Assert.Equal(ExitCode.CorruptArchive, ex.Code);
        Assert.Contains("is a link", ex.What, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_target, "libextism.so")));
    }

    [Fact]
    public void A_hard_link_is_refused()
    {
        var ex = Assert.Throws<InstallerException>(() => Extract(Tarball.Release().HardLink("other", "libextism.so")));
        Assert.Contains("is a link", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_present_twice_is_refused()
    {
        var ex = Assert.Throws<InstallerException>(() => Extract(Tarball.Release().File("x/libextism.so", [1])));
        Assert.Contains("more than once", ex.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_gzip_are_a_corrupt_archive()
    {
        var ex = Assert.Throws<InstallerException>(() => ExtractBytes("this is not a tarball"u8.ToArray()));
        Assert.Equal(ExitCode.CorruptArchive, ex.Code);
    }

    [Fact]
    public void A_truncated_archive_is_a_corrupt_archive()
    {
        var bytes = Tarball.Release().ToGzipBytes();
        var ex = Assert.Throws<InstallerException>(() => ExtractBytes(bytes[..(bytes.Length / 2)]));
        Assert.Equal(ExitCode.CorruptArchive, ex.Code);
    }

    [Fact]
    public void Extracted_files_get_plain_permissions()
    {
        Extract(Tarball.Release());
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(Path.Combine(_target, "LICENSE"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, mode);
        }
    }

    private IReadOnlySet<string> Extract(Tarball tarball) => ExtractBytes(tarball.ToGzipBytes());

    private IReadOnlySet<string> ExtractBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return SafeTarExtractor.Extract(stream, "test.tar.gz", new Dictionary<string, string>
        {
            ["libextism.so"] = Path.Combine(_target, "libextism.so"),
            ["LICENSE"] = Path.Combine(_target, "LICENSE"),
        });
    }
}

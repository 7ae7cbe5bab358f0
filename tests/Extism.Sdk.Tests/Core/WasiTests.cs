using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

public sealed class WasiTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("extism-wasi-").FullName;
    private readonly string _readOnly = Directory.CreateTempSubdirectory("extism-wasi-ro-").FullName;

    public void Dispose()
    {
        Directory.Delete(_data, true);
        Directory.Delete(_readOnly, true);
    }

    private Plugin Wasi()
    {
        Manifest manifest = TestPlugins.Manifest("wasi");
        manifest.AllowedPaths[_data] = "/data";
        manifest.AllowedPaths["ro:" + _readOnly] = "/ro";
        return new Plugin(manifest, [], withWasi: true);
    }

    [Fact]
    public void ReadsAFileFromAnAllowedPath()
    {
        File.WriteAllText(Path.Combine(_readOnly, "in.txt"), "from the host");
        using var plugin = Wasi();
        Assert.Equal("from the host", plugin.Call("read_file", "/ro/in.txt"));
        var e = Assert.Throws<ExtismException>(() => plugin.Call("read_file", "/etc/passwd"));
        Assert.Equal(ExtismErrorKind.GuestError, e.Kind);
    }

    [Fact]
    public void WritesWhereAllowedAndIsRefusedUnderReadOnly()
    {
        using var plugin = Wasi();
        plugin.Call("write_file", "/data/out.txt\nwritten");
        Assert.Equal("written", File.ReadAllText(Path.Combine(_data, "out.txt")));
        var e = Assert.Throws<ExtismException>(() => plugin.Call("write_file", "/ro/out.txt\nnope"));
        Assert.Equal(1, e.ReturnCode);
        Assert.False(File.Exists(Path.Combine(_readOnly, "out.txt")));
    }

    [Fact]
    public void ProcExitWithAStatusIsAnExitException()
    {
        using var plugin = Wasi();
        var e = Assert.Throws<ExtismExitException>(() => plugin.Call("exit_with", "3"));
        Assert.Equal(3, e.ExitCode);
        Assert.Equal(ExtismErrorKind.GuestExit, e.Kind);
        Assert.Equal("0", plugin.Call("exit_with", "0")); // exit(0) is success, output kept
    }

    [Fact]
    public void WasiModuleWithoutWasiFailsAtCreation()
    {
        var e = Assert.Throws<ExtismException>(() => new Plugin(TestPlugins.Bytes("wasi"), [], withWasi: false));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("wasi_snapshot_preview1", e.Message);
    }

    [Fact]
    public void CommandModuleStartRunsMainAndResetsTheInstance()
    {
        using var plugin = new Plugin(TestPlugins.Bytes("command"), [], withWasi: true);
        Assert.Equal("1", plugin.Call("counter", ""));
        Assert.Equal("2", plugin.Call("counter", ""));
        Assert.Equal("hello from _start", Encoding.UTF8.GetString(plugin.Call("_start", [])));
        Assert.Equal("1", plugin.Call("counter", ""));
    }
}

using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Core;

/// <summary>Every way a call can end, as the caller sees it (exception type, kind, code).</summary>
public class CallOutcomeTests(ITestOutputHelper output)
{
    private static Plugin Outcomes(Action<Manifest>? configure = null, long? fuel = null)
    {
        Manifest manifest = TestPlugins.Manifest("outcomes");
        configure?.Invoke(manifest);
        return new Plugin(manifest, [], new PluginInitializationOptions { FuelLimit = fuel });
    }

    private T Fails<T>(Plugin plugin, string export, byte[]? input = null) where T : Exception
    {
        T e = Assert.Throws<T>(() => plugin.Call(export, input ?? []).ToArray());
        string kind = e is ExtismException x ? $"{x.Kind} rc={x.ReturnCode}" : "";
        output.WriteLine($"{export}: {typeof(T).Name} {kind} \"{e.Message.Split('\n')[0]}\"");
        // Whatever the failure, the same instance still serves the next call.
        Assert.Equal(42, Assert.Throws<ExtismException>(() => plugin.Call("return_code", []).ToArray()).ReturnCode);
        return e;
    }

    [Fact]
    public void NonZeroReturnWithoutMessageGetsAMadeUpMessage()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "return_code");
        Assert.Equal(ExtismErrorKind.NonZeroReturnCode, e.Kind);
        Assert.Equal(42, e.ReturnCode);
        Assert.Contains("returned non-zero code 42", e.Message);
    }

    [Fact]
    public void GuestErrorCarriesTheMessageAndCode()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "fail_with_message");
        Assert.Equal(ExtismErrorKind.GuestError, e.Kind);
        Assert.Equal("bad input", e.Message);
        Assert.Equal(1, e.ReturnCode);
    }

    [Fact]
    public void GuestErrorWithReturnZeroIsStillAFailure()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "error_return_zero");
        Assert.Equal(ExtismErrorKind.GuestError, e.Kind);
        Assert.Equal("soft failure", e.Message);
        Assert.Equal(0, e.ReturnCode);
    }

    [Fact]
    public void EmptyGuestErrorIsStillAFailure()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "error_empty");
        Assert.Equal(ExtismErrorKind.GuestError, e.Kind);
        Assert.Equal(0, e.ReturnCode);
        Assert.Contains("empty error message", e.Message);
    }

    [Fact]
    public void TrapIsATrapException()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismTrapException>(plugin, "trap");
        Assert.Equal(ExtismErrorKind.Trap, e.Kind);
        Assert.Equal(134, e.ReturnCode);
    }

    [Fact]
    public void ManifestTimeoutThrowsTimeoutExceptionMentioningTimeout()
    {
        using var plugin = Outcomes(m => m.Timeout = TimeSpan.FromMilliseconds(100));
        var e = Fails<ExtismTimeoutException>(plugin, "spin");
        Assert.Contains("timeout", e.Message);
        Assert.Equal(ExtismErrorKind.Timeout, e.Kind);
        Assert.Equal(134, e.ReturnCode);
    }

    [Fact]
    public void FuelLimitStopsAnEndlessLoop()
    {
        using var plugin = Outcomes(fuel: 100_000);
        var e = Fails<ExtismFuelExhaustedException>(plugin, "spin");
        Assert.Equal(ExtismErrorKind.FuelExhausted, e.Kind);
        Assert.Equal(-1, e.ReturnCode);
    }

    [Fact]
    public void MemoryGrowthPastMaxPagesIsOutOfMemory()
    {
        using var plugin = Outcomes(m => m.MemoryOptions = new MemoryOptions { MaxPages = 4 });
        Assert.Equal(4u, BitConverter.ToUInt32(plugin.Call("grow", BitConverter.GetBytes(4u))));
        var e = Assert.Throws<ExtismOutOfMemoryException>(() => plugin.Call("grow", BitConverter.GetBytes(1u)).ToArray());
        output.WriteLine($"grow past max_pages: {e.Kind} rc={e.ReturnCode} \"{e.Message}\"");
        Assert.Equal(ExtismErrorKind.OutOfMemory, e.Kind);
    }

    [Fact]
    public void MemoryGrowsFreelyWithoutALimit()
    {
        using var plugin = Outcomes();
        Assert.Equal(40u, BitConverter.ToUInt32(plugin.Call("grow", BitConverter.GetBytes(40u))));
    }

    [Fact]
    public void BadHandleInAKernelCallIsARuntimeFailure()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "bad_handle");
        Assert.Equal(-1, e.ReturnCode);
        Assert.Equal(ExtismErrorKind.Unknown, e.Kind);
    }

    [Fact]
    public void MissingExportNamesTheFunction()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "nope");
        Assert.Equal(ExtismErrorKind.FunctionNotFound, e.Kind);
        Assert.Contains("nope", e.Message);
        Assert.False(plugin.FunctionExists("nope"));
    }

    [Fact]
    public void ExportWithParametersIsNotCallable()
    {
        using var plugin = Outcomes();
        Assert.False(plugin.FunctionExists("with_params"));
        Assert.True(plugin.FunctionExists("trap"));
        var e = Fails<ExtismException>(plugin, "with_params");
        Assert.Equal(-1, e.ReturnCode);
    }

    [Fact]
    public void NonZeroCodeAfterSettingOutputFails()
    {
        using var plugin = Outcomes();
        var e = Fails<ExtismException>(plugin, "output_then_fail");
        Assert.Equal(3, e.ReturnCode);
        Assert.Equal(ExtismErrorKind.NonZeroReturnCode, e.Kind);
    }

    [Fact]
    public void NonUtf8OutputReadAsStringUsesReplacementCharacters()
    {
        using var plugin = Outcomes();
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0xFD, 0x41 }, plugin.Call("non_utf8", []).ToArray());
        string text = plugin.Call("non_utf8", "");
        Assert.EndsWith("A", text);
        Assert.Contains('\uFFFD', text);
    }

    [Fact]
    public void BusyCallCompletes()
    {
        using var plugin = Outcomes();
        Assert.Equal("done", Encoding.UTF8.GetString(plugin.Call("busy", BitConverter.GetBytes(1000UL))));
    }
}

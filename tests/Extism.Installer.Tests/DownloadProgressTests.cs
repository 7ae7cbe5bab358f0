namespace Extism.Installer.Tests;

public sealed class DownloadProgressTests
{
    private TimeSpan _now;

    [Fact]
    public void A_quick_download_prints_nothing()
    {
        var output = new StringWriter();
        var progress = new DownloadProgress(output, interactive: false, "x.tar.gz", 100, () => _now);
        _now = TimeSpan.FromMilliseconds(900);
        progress.Report(100);
        progress.Complete(100);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void A_slow_download_prints_a_line_every_few_seconds_in_logs()
    {
        var output = new StringWriter();
        var progress = new DownloadProgress(output, interactive: false, "x.tar.gz", 4 * 1048576, () => _now);
        foreach (var (seconds, bytes) in new[] { (1.5, 1048576L), (2.0, 2097152L), (7.0, 3145728L) })
        {
            _now = TimeSpan.FromSeconds(seconds);
            progress.Report(bytes);
        }

        progress.Complete(4 * 1048576);
        Assert.Equal(
            [
                "downloading x.tar.gz: 1.0 / 4.0 MB (25%)",
                "downloading x.tar.gz: 3.0 / 4.0 MB (75%)",
                "downloading x.tar.gz: 4.0 / 4.0 MB (100%)",
            ],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_terminal_gets_one_redrawn_line()
    {
        var output = new StringWriter();
        var progress = new DownloadProgress(output, interactive: true, "x.tar.gz", null, () => _now);
        _now = TimeSpan.FromSeconds(1.2);
        progress.Report(1048576);
        progress.Complete(2097152);
        Assert.Equal($"\rdownloading x.tar.gz: 1.0 MB   \rdownloading x.tar.gz: 2.0 MB   {Environment.NewLine}", output.ToString());
    }

    [Fact]
    public void Quiet_mode_prints_nothing()
    {
        var progress = new DownloadProgress(null, interactive: true, "x.tar.gz", 10, () => TimeSpan.FromSeconds(30));
        progress.Report(5);
        progress.Complete(10);
    }
}

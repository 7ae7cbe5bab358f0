namespace Extism.Installer.Tests;

public sealed class ChecksumFileTests
{
    private const string File = "libextism-x86_64-pc-windows-msvc-v1.41.0.tar.gz";
    private const string Hex = "ebbb5daaf581e394559fbeef3e52c37b99ec149d975581e322589062185f5e45";

    [Theory]
    [InlineData(Hex + "  " + File + "\n")]
    [InlineData(Hex + " *" + File + "\n")]
    [InlineData(Hex + "  ./dist/" + File + "\r\n")]
    [InlineData(Hex + "\n")]
    [InlineData("\uFEFF" + Hex)]
    [InlineData("EBBB5DAAF581E394559FBEEF3E52C37B99EC149D975581E322589062185F5E45  " + File)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000  other.tar.gz\n" + Hex + "  " + File + "\n")]
    public void Shasum_output_is_read(string text)
    {
        Assert.Equal(Hex, ChecksumFile.Parse(text, File));
    }

    [Theory]
    [InlineData("SHA256 hash of " + File + ":\r\n" + Hex + "\r\nCertUtil: -hashfile command completed successfully.\r\n")]
    [InlineData("SHA256 hash of C:\\a\\" + File + ":\neb bb 5d aa f5 81 e3 94 55 9f be ef 3e 52 c3 7b 99 ec 14 9d 97 55 81 e3 22 58 90 62 18 5f 5e 45\nCertUtil: -hashfile command completed successfully.\n")]
    [InlineData("SHA256 hash of " + File + ":\n" + Hex + "\n")]
    public void Certutil_output_is_read(string text)
    {
        Assert.Equal(Hex, ChecksumFile.Parse(text, File));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   \n\n", "empty")]
    [InlineData("abc  " + File, "is not '<sha256>  <file>'")]
    [InlineData(Hex + "00  " + File, "is not '<sha256>  <file>'")]
    [InlineData("zz" + "bb5daaf581e394559fbeef3e52c37b99ec149d975581e322589062185f5e45  " + File, "is not '<sha256>  <file>'")]
    [InlineData(Hex + "  other.tar.gz", "is the checksum of 'other.tar.gz'")]
    [InlineData(Hex + "  a.tar.gz\n" + Hex + "  b.tar.gz", "no line for that file")]
    [InlineData(Hex + "\n" + Hex, "several hashes")]
    [InlineData("SHA256 hash of " + File + ":\r\n", "no hash line")]
    [InlineData("SHA256 hash of " + File + "\r\n" + Hex, "does not end with ':'")]
    [InlineData("SHA256 hash of other.tar.gz:\r\n" + Hex, "is the checksum of 'other.tar.gz'")]
    [InlineData("SHA256 hash of " + File + ":\r\nnot hex\r\n", "is not a SHA-256 hash")]
    [InlineData("SHA256 hash of " + File + ":\r\n" + Hex + "\r\nCertUtil: -hashfile command FAILED: 0x80070002\r\n", "unexpected line")]
    public void Anything_else_is_refused_with_the_reason(string text, string reason)
    {
        var ex = Assert.Throws<InstallerException>(() => ChecksumFile.Parse(text, File));
        Assert.Equal(ExitCode.ChecksumMismatch, ex.Code);
        Assert.Contains(reason, ex.What, StringComparison.Ordinal);
    }
}

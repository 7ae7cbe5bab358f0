using System.Text;
using Xunit;

namespace Extism.Sdk.Isolation.Tests;

public class CallTests
{
    [Fact]
    public void BytesGoThereAndBack()
    {
        using var pool = new IsolatedPluginPool(TestPlugins.Manifest("echo"), options: new IsolatedPluginPoolOptions { MaxWorkers = 1 });
        byte[] input = Encoding.UTF8.GetBytes("hello worker");
        Assert.Equal(input, pool.Call("echo", input));
        Assert.Equal(1, pool.Count);
    }
}

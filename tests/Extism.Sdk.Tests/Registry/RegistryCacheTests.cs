using Extism.Sdk.Tests.Loading;
using Xunit;

namespace Extism.Sdk.Tests.Registry;

/// <summary>The disk cache is process-wide state, so these run the registry in a child process.</summary>
[Collection(RegistryCollection.Name)]
public sealed class RegistryCacheTests
{
    [Fact]
    public void The_cache_directory_reaches_libextism_and_a_restarted_process_finds_the_compiled_code_there()
    {
        string root = Path.Combine(Path.GetTempPath(), "extism-registry-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var environment = new Dictionary<string, string?> { ["EXTISM_CACHE_CONFIG"] = null };
            var cold = ChildProcess.Run("registry-cache", environment, root, root + "-other");
            Assert.Contains("\"count\":3", Assert.Single(cold["output"]));
            Assert.Equal(Path.Combine(root, "extism-cache.toml"), Assert.Single(cold["variable"]));
            int files = int.Parse(Assert.Single(cold["files"]));
            Assert.True(files > 0, "wasmtime wrote nothing into the registry's cache directory");
            Assert.Contains("already", Assert.Single(cold["conflict"]));
            // A TOML basic string: on Windows every backslash of the path is written escaped.
            Assert.Contains("\"" + Path.Combine(root, "wasmtime").Replace("\\", "\\\\") + "\"", File.ReadAllText(Path.Combine(root, "extism-cache.toml")));

            // A restart with the same directory reuses the entry instead of writing another.
            var warm = ChildProcess.Run("registry-cache", environment, root, root + "-other");
            Assert.Equal(cold["output"], warm["output"]);
            Assert.Equal(files, int.Parse(Assert.Single(warm["files"])));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Cache_options_need_exactly_one_choice()
    {
        var e = Assert.Throws<ArgumentException>(() => CompilationCache.Resolve(new CompilationCacheOptions()));
        Assert.Contains("exactly one", e.Message);
        Assert.Throws<ArgumentException>(() => CompilationCache.Resolve(new CompilationCacheOptions { Directory = "/tmp/x", Disabled = true }));
        Assert.Equal("", CompilationCache.Resolve(new CompilationCacheOptions { Disabled = true }));
        Assert.Throws<ArgumentException>(() => CompilationCache.Resolve(new CompilationCacheOptions { ConfigFile = "/no/such/file.toml" }));
    }
}

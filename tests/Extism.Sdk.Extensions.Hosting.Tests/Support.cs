using System.Text;

namespace Extism.Sdk.Extensions.Hosting.Tests;

/// <summary>Test plug-ins from tests/plugins, and tiny generated ones whose only job is to answer a fixed text.</summary>
internal static class TestWasm
{
    internal static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "plugins", name + ".wasm");

    /// <summary>WebAssembly text storing <paramref name="text"/> (ASCII) byte by byte at <c>$p</c>: the body of an export that outputs it.</summary>
    internal static string StoreAscii(string text)
    {
        var body = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            body.Append($"    (call $store_u8 (i64.add (local.get $p) (i64.const {i})) (i32.const {(int)text[i]}))\n");
        }
        return body.ToString();
    }

    /// <summary>
    /// WebAssembly text (libextism compiles text as well as binary) of a plug-in whose
    /// <paramref name="export"/> outputs <paramref name="answer"/> (ASCII), whatever the input.
    /// </summary>
    internal static string Answering(string answer, string export = "count_vowels")
    {
        string body = StoreAscii(answer);
        return $$"""
            (module
              (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
              (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
              (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
              (func (export "{{export}}") (result i32) (local $p i64)
                (local.set $p (call $alloc (i64.const {{answer.Length}})))
            {{body}}    (call $output_set (local.get $p) (i64.const {{answer.Length}}))
                (i32.const 0)))
            """;
    }

    /// <summary>Replaces <paramref name="path"/> the way deploy tools do: write a temporary file beside it, then rename it over.</summary>
    internal static void ReplaceByRename(string path, string contents)
    {
        string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A directory under the system temp folder, deleted with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    internal TempDirectory() => Directory.CreateDirectory(Path);

    internal string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "extism-hosting-" + Guid.NewGuid().ToString("N"));

    internal string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Wait
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails after a generous bound (this is not a timing assertion).</summary>
    internal static async Task Until(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {seconds} s for: {what}");
            await Task.Delay(20);
        }
    }
}

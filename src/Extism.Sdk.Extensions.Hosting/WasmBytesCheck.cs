using System.Text.Unicode;

namespace Extism.Sdk.Extensions.Hosting;

/// <summary>
/// Tells a wasm module or WAT text from anything else before libextism sees the bytes: given
/// other bytes, libextism falls back to its WAT parser and answers in that parser's words
/// ("input bytes aren't valid utf-8"), which does not say that the file is simply not a module.
/// </summary>
internal static class WasmBytesCheck
{
    // How much of a file is read to judge it: the magic, or the start of WAT text.
    private const int SniffLength = 4096;

    /// <summary>Null when every source of <paramref name="manifest"/> that is on disk or in memory looks like wasm or WAT; otherwise what is wrong, naming the source.</summary>
    internal static string? Problem(Manifest manifest)
    {
        foreach (WasmSource source in manifest.Sources)
        {
            string? problem = source switch
            {
                PathWasmSource file => ProblemOfFile(file.Path),
                ByteArrayWasmSource bytes => Judge(bytes.Data, "the in-memory wasm source"),
                _ => null, // URLs are fetched by libextism itself
            };
            if (problem is not null) return problem;
        }
        return null;
    }

    private static string? ProblemOfFile(string path)
    {
        byte[] head;
        try
        {
            using FileStream stream = File.OpenRead(path);
            head = new byte[(int)Math.Min(SniffLength, stream.Length)];
            stream.ReadExactly(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read: {e.Message}";
        }
        return Judge(head, $"'{path}'");
    }

    /// <summary>Null for the wasm magic (\0asm) or text whose first non-blank character opens WAT (an s-expression or a comment).</summary>
    internal static string? Judge(ReadOnlySpan<byte> head, string what)
    {
        if (head.StartsWith("\0asm"u8)) return null;
        int i = 0;
        if (head.StartsWith("\uFEFF"u8)) i = 3; // UTF-8 byte order mark
        while (i < head.Length && head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        if (i < head.Length && head[i] is (byte)'(' or (byte)';' && IsUtf8Prefix(head[i..])) return null;
        string start = head.Length == 0 ? "it is empty" : $"it starts with {Convert.ToHexString(head[..Math.Min(4, head.Length)])}";
        return $"{what} is not a wasm module: {start}, not the wasm magic 0061736D (\\0asm), and it is not WAT text.";
    }

    // The sniffed prefix may cut a multi-byte character at its end; only what comes before must decode.
    private static bool IsUtf8Prefix(ReadOnlySpan<byte> text)
    {
        int end = text.Length;
        for (int back = 0; back < 3 && end > 0 && (text[end - 1] & 0xC0) == 0x80; back++) end--;
        if (end > 0 && text[end - 1] >= 0xC0) end--;
        return Utf8.IsValid(text[..end]);
    }
}

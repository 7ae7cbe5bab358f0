using System.Text;

namespace Extism.Sdk.Generators;

/// <summary>Name conversions between C# and plug-in conventions.</summary>
internal static class Naming
{
    /// <summary>A method name as an export: snake_case without an Async suffix (CountVowelsAsync → count_vowels, ParseHTTPHeader → parse_http_header).</summary>
    public static string ExportName(string method)
    {
        if (method.EndsWith("Async", System.StringComparison.Ordinal) && method.Length > 5) method = method.Substring(0, method.Length - 5);
        var sb = new StringBuilder();
        for (int i = 0; i < method.Length; i++)
        {
            char c = method[i];
            if (char.IsUpper(c))
            {
                bool afterLowerOrDigit = i > 0 && (char.IsLower(method[i - 1]) || char.IsDigit(method[i - 1]));
                bool endsAcronym = i > 0 && char.IsUpper(method[i - 1]) && i + 1 < method.Length && char.IsLower(method[i + 1]);
                if ((afterLowerOrDigit || endsAcronym) && sb.Length > 0 && sb[sb.Length - 1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A schema name as a C# identifier in PascalCase (count_vowels → CountVowels, countVowels → CountVowels, my-file → MyFile).</summary>
    public static string Pascal(string name)
    {
        var sb = new StringBuilder();
        bool upper = true;
        foreach (char c in name)
        {
            if (c is '_' or '-' or '.' or ' ' or '$')
            {
                upper = true;
                continue;
            }
            if (!char.IsLetterOrDigit(c)) continue;
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }
}

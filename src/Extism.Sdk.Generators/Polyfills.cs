// netstandard2.0 lacks these; the compiler only needs them to exist.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}

// Shared source, compiled into each Extensions package that needs it (linked from its project
// file), so that each keeps it internal: one copy of the code, no internals shared between packages.
using Microsoft.Extensions.Options;

namespace Extism.Sdk.Extensions;

/// <summary>
/// Runs an options type's own validation (a method that throws <see cref="ArgumentException"/>
/// naming the option) when the options are built, so that a host with <c>ValidateOnStart</c>
/// fails its start with that message instead of at the first use.
/// </summary>
internal sealed class ValidateMethodValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}

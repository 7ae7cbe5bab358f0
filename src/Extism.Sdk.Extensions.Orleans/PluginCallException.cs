namespace Extism.Sdk.Extensions.Orleans;

/// <summary>How a plug-in call on the cluster failed; <see cref="PluginCallException.Failure"/>.</summary>
public enum PluginCallFailure
{
    /// <summary>A failure that fits no other kind; the message names the original exception's type.</summary>
    Other = 0,

    /// <summary>The plug-in or libextism failed (an <see cref="ExtismException"/>): see <see cref="PluginCallException.ErrorKind"/>.</summary>
    Plugin,

    /// <summary>A registry budget stayed full (a <see cref="PluginBudgetExceededException"/>): see <see cref="PluginCallException.Budget"/>.</summary>
    BudgetExceeded,

    /// <summary>The resolver does not know the key (it threw <see cref="KeyNotFoundException"/>).</summary>
    KeyNotFound,

    /// <summary>The arguments were refused before anything ran (e.g. an empty function name).</summary>
    InvalidArgument,

    /// <summary>The silo was stopping (its registry disposed); nothing ran. Retrying reaches another silo.</summary>
    SiloStopping,
}

/// <summary>
/// A plug-in call on the cluster failed. Serializable across silos and clients, so a caller can
/// switch on <see cref="Failure"/>, <see cref="ErrorKind"/> and <see cref="Budget"/> the way it
/// would on the SDK's own exceptions in one process.
/// </summary>
[GenerateSerializer, Alias("Extism.PluginCallException")]
public sealed class PluginCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The plug-in key.</param>
    /// <param name="failure">How the call failed.</param>
    /// <param name="message">What happened, for people.</param>
    public PluginCallException(string key, PluginCallFailure failure, string message) : base(message)
    {
        Key = key;
        Failure = failure;
    }

    /// <summary>The plug-in key of the failed call.</summary>
    [Id(0)] public string Key { get; private set; }

    /// <summary>How the call failed.</summary>
    [Id(1)] public PluginCallFailure Failure { get; private set; }

    /// <summary>The SDK's kind of failure when <see cref="Failure"/> is <see cref="PluginCallFailure.Plugin"/>; otherwise null.</summary>
    [Id(2)] public ExtismErrorKind? ErrorKind { get; init; }

    /// <summary>libextism's return code, or the WASI exit status, when the SDK reported one; otherwise null.</summary>
    [Id(3)] public int? ReturnCode { get; init; }

    /// <summary>The full budget when <see cref="Failure"/> is <see cref="PluginCallFailure.BudgetExceeded"/>; otherwise null.</summary>
    [Id(4)] public PluginRegistryBudget? Budget { get; init; }

    /// <summary>Name of the silo where the call failed.</summary>
    [Id(5)] public string? Silo { get; init; }

    /// <summary>Full type name of the exception the silo caught (the original is not sent: its type may not exist on the caller).</summary>
    [Id(6)] public string? OriginalType { get; init; }

    /// <summary>Maps what a silo's registry threw to the exception sent back; null when it is a cancellation (sent as it is).</summary>
    internal static PluginCallException? From(string key, string silo, Exception e) => e switch
    {
        OperationCanceledException => null,
        ExtismException x => new(key, PluginCallFailure.Plugin, x.Message) { ErrorKind = x.Kind, ReturnCode = x.ReturnCode, Silo = silo, OriginalType = x.GetType().FullName },
        PluginBudgetExceededException b => new(key, PluginCallFailure.BudgetExceeded, b.Message) { Budget = b.Budget, Silo = silo, OriginalType = b.GetType().FullName },
        KeyNotFoundException k => new(key, PluginCallFailure.KeyNotFound, k.Message) { Silo = silo, OriginalType = k.GetType().FullName },
        ObjectDisposedException d => new(key, PluginCallFailure.SiloStopping, $"Silo '{silo}' was stopping: {d.Message}") { Silo = silo, OriginalType = d.GetType().FullName },
        ArgumentException a => new(key, PluginCallFailure.InvalidArgument, a.Message) { Silo = silo, OriginalType = a.GetType().FullName },
        _ => new(key, PluginCallFailure.Other, $"{e.GetType().FullName}: {e.Message}") { Silo = silo, OriginalType = e.GetType().FullName },
    };
}

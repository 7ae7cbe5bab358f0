using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Extism.Sdk.Generators;

/// <summary>
/// Everything the generator cannot map is one of these errors, naming the member and what to do.
/// IDs are stable: EXTISM10x host functions, EXTISM11x plug-in interfaces, EXTISM12x JSON,
/// EXTISM13x XTP schemas.
/// </summary>
internal static class Diagnostics
{
    private const string Category = "Extism.Contracts";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotPartial = Error("EXTISM101",
        "Type must be partial",
        "'{0}' must be declared partial (and so must every type containing it) so that the Extism generator can add {1} to it");

    public static readonly DiagnosticDescriptor HostParameterType = Error("EXTISM102",
        "Unsupported host function parameter",
        "Host function '{0}': parameter '{1}' of type '{2}' cannot cross into wasm; use int, uint, long, ulong, float, double, bool, string, byte[], ReadOnlySpan<byte>, ReadOnlyMemory<byte>, a JSON type, or CurrentPlugin (in-process) or RemotePlugin (IsolatedPluginPool) as the first parameter");

    public static readonly DiagnosticDescriptor HostResultType = Error("EXTISM103",
        "Unsupported host function result",
        "Host function '{0}': result type '{1}' cannot cross into wasm; return void, int, uint, long, ulong, float, double, bool, string, byte[], ReadOnlyMemory<byte> or a JSON type");

    public static readonly DiagnosticDescriptor HostMethodShape = Error("EXTISM104",
        "Unsupported host function method",
        "Host function '{0}': {1}");

    public static readonly DiagnosticDescriptor DuplicateHostFunction = Error("EXTISM105",
        "Duplicate host function",
        "Host function '{0}' imports '{1}::{2}', which '{3}' in the same type already imports; give one of them another name or namespace");

    public static readonly DiagnosticDescriptor HostFunctionName = Error("EXTISM106",
        "Invalid import name",
        "Host function '{0}': the import name and namespace must be non-empty and contain no NUL character");

    public static readonly DiagnosticDescriptor InterfaceMember = Error("EXTISM111",
        "Unsupported plug-in interface member",
        "Plug-in interface '{0}': member '{1}' is not supported: {2}");

    public static readonly DiagnosticDescriptor TooManyInputs = Error("EXTISM112",
        "More than one input",
        "Plug-in interface method '{0}' takes {1} inputs; an export takes at most one (plus an optional CancellationToken last): wrap them in one JSON type");

    public static readonly DiagnosticDescriptor InterfaceInputType = Error("EXTISM113",
        "Unsupported export input",
        "Plug-in interface method '{0}': input '{1}' of type '{2}' is not supported; use string, byte[], ReadOnlyMemory<byte>, ReadOnlySpan<byte> or a JSON type");

    public static readonly DiagnosticDescriptor InterfaceResultType = Error("EXTISM114",
        "Unsupported export result",
        "Plug-in interface method '{0}': result type '{1}' is not supported; return void, string, byte[], ReadOnlyMemory<byte> or a JSON type, directly or as Task<T>/ValueTask<T> (Task/ValueTask for none)");

    public static readonly DiagnosticDescriptor ExportName = Error("EXTISM115",
        "Invalid export name",
        "Plug-in interface method '{0}': the export name must be non-empty");

    public static readonly DiagnosticDescriptor NoJsonContext = Error("EXTISM121",
        "No JSON context",
        "'{0}' uses '{1}' as JSON, but no JsonSerializerContext is named for it; add [ExtismJsonContext(typeof(MyJsonContext))] to '{2}' or to the assembly");

    public static readonly DiagnosticDescriptor MissingJsonType = Error("EXTISM122",
        "JSON type not in context",
        "'{0}' uses '{1}' as JSON, but '{2}' has no metadata for it; add [JsonSerializable(typeof({1}))] to '{2}'");

    public static readonly DiagnosticDescriptor BadJsonContext = Error("EXTISM123",
        "Not a JSON context",
        "[ExtismJsonContext] names '{0}', which is not a class deriving from System.Text.Json.Serialization.JsonSerializerContext");

    public static readonly DiagnosticDescriptor SchemaSyntax = Error("EXTISM131",
        "XTP schema is not valid YAML or JSON",
        "XTP schema '{0}': {1}");

    public static readonly DiagnosticDescriptor SchemaInvalid = Error("EXTISM132",
        "Invalid XTP schema",
        "XTP schema '{0}', at '{1}': {2}");

    public static readonly DiagnosticDescriptor SchemaName = Error("EXTISM133",
        "Invalid XTP interface name",
        "XTP schema '{0}': '{1}' is not a valid C# identifier for the generated interface; set the item's ExtismInterface metadata to a valid name");

    // A warning, not an error: the code still compiles, but in the global namespace and with
    // the default interface names, which is rarely what the project meant.
    public static readonly DiagnosticDescriptor PropsNotImported = new("EXTISM134",
        "Generator properties not visible",
        "XTP schema '{0}': the generator cannot see the project's RootNamespace or the items' ExtismInterface metadata, so the generated code goes to the global namespace and any ExtismInterface name is ignored; import build/Extism.Sdk.Generators.props next to the generator's ProjectReference (the Extism.Sdk package imports it by itself)",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(Diagnostics)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();

    public static DiagnosticDescriptor Find(string id) => All.First(d => d.Id == id);

    public static DiagnosticInfo Info(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments));

    public static Diagnostic Create(DiagnosticInfo info) =>
        Diagnostic.Create(Find(info.Id), info.Location?.ToLocation() ?? Location.None, info.Arguments.Cast<object>().ToArray());
}

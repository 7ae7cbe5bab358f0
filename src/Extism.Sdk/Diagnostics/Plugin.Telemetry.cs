using Extism.Sdk.Diagnostics;

namespace Extism.Sdk;

// The recycle hook's body lives with the other telemetry, so Plugin.cs only declares the hook.
public sealed partial class Plugin
{
    partial void OnRecycled(string reason) => ExtismTelemetry.InstanceRecycled(reason);
}

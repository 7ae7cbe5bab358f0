using Extism.Sdk.Worker;

// Usage: Extism.Sdk.Worker [--parent <pid>]
// Started by IsolatedPluginPool; not meant to be run by hand. Exit codes: 0 stdin closed (the
// host is done), 2 the first frame was not Create, 3 the parent died before we could watch it,
// 4 a protocol violation.
return WorkerHost.Run(args);

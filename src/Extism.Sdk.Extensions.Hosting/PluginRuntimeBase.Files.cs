using Extism.Sdk;
using Microsoft.Extensions.Logging;

namespace Extism.Sdk.Extensions.Hosting;

internal abstract partial class PluginRuntimeBase
{
    /// <summary>
    /// Watches the directory of every path source for the file being written, created or renamed
    /// onto (deploy tools write a temporary file and rename it over the old one). A directory
    /// watcher, not a file watcher, because a rename replaces the file a file watcher would follow.
    /// </summary>
    private void WatchFiles()
    {
        var watchers = new List<FileSystemWatcher>();
        if (Options.ReloadOnChange && Options.Manifest is { } manifest)
        {
            foreach (string file in manifest.Sources.OfType<PathWasmSource>().Select(s => Path.GetFullPath(s.Path)).Distinct())
            {
                string? directory = Path.GetDirectoryName(file);
                if (directory is null || !Directory.Exists(directory)) continue;
                var watcher = new FileSystemWatcher(directory, Path.GetFileName(file))
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                watcher.Changed += (_, _) => FileChanged();
                watcher.Created += (_, _) => FileChanged();
                watcher.Renamed += (_, e) =>
                {
                    if (string.Equals(e.FullPath, file, StringComparison.Ordinal)) FileChanged();
                };
                watcher.Error += (_, e) => _logger.LogWarning(e.GetException(), "Extism plug-in '{Plugin}': watching '{File}' failed; changes may be missed.", Name, file);
                watcher.EnableRaisingEvents = true;
                watchers.Add(watcher);
            }
        }
        List<FileSystemWatcher> old;
        lock (_gate)
        {
            old = _watchers;
            _watchers = watchers;
            if (_disposed) old = [.. old, .. watchers];
        }
        foreach (FileSystemWatcher watcher in old) watcher.Dispose();
    }

    private void StopWatching()
    {
        List<FileSystemWatcher> old;
        lock (_gate)
        {
            old = _watchers;
            _watchers = [];
        }
        foreach (FileSystemWatcher watcher in old) watcher.Dispose();
    }
}

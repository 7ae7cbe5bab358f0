using System.Globalization;
using Extism.Sdk.Cluster.Scale;

// build/cluster-scale.sh runs this; see there for the modes.
string mode = args.Length > 0 ? args[0] : "sim";
string Text(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Arg(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
return mode switch
{
    "header" => Print(ClusterSimulation.Header),
    "sim" => await ClusterSimulation.RunAsync(new ClusterSimulation.Settings(Text("--label", "run"), Arg("--modules", 10_000), Arg("--callers", 8),
        Arg("--calls", 40_000), Arg("--max-instances", 1000), Arg("--memory-mib", 1024) * 1024L * 1024, args.Contains("--kill"))),
    "processes-header" => Print(MultiProcess.Header),
    "silo" => await MultiProcess.SiloAsync(Arg("--index", 0), Text("--dir", "."), Arg("--max-instances", 1000), Arg("--memory-mib", 1024) * 1024L * 1024),
    "drive" => await MultiProcess.DriveAsync(new ClusterSimulation.Settings(Text("--label", "run"), Arg("--modules", 10_000), Arg("--callers", 8),
        Arg("--calls", 40_000), Arg("--max-instances", 1000), Arg("--memory-mib", 1024) * 1024L * 1024, false), Text("--dir", "."), 3, Arg("--kill-pid", 0),
        Arg("--attempt-timeout-ms", 0) is > 0 and int ms ? TimeSpan.FromMilliseconds(ms) : null),
    "paired" => await PairedCost.RunAsync(Arg("--rounds", 30), Arg("--block", 200)),
    _ => throw new ArgumentException($"unknown mode '{mode}'"),
};

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Extism.Sdk.Benchmarks;

/// <summary>
/// Entry point. Our options: <c>--quick</c> (a few short iterations: a smoke run that still gives
/// rough numbers), <c>--artifacts &lt;dir&gt;</c> (where BenchmarkDotNet writes its reports,
/// including the joined JSON report build/bench.sh reads), <c>--alloc</c> (only the exact
/// per-thread allocation check, see <see cref="AllocationCheck"/>) and <c>--paired &lt;lib&gt;</c>
/// (only the interleaved comparison with the C baseline library, see <see cref="Paired"/>),
/// <c>--loop &lt;case&gt; &lt;seconds&gt;</c> (one paired case, ours or <c>official:&lt;case&gt;</c>, in a
/// loop, for a profiler such as perf to attach to). Everything else goes to
/// BenchmarkDotNet (e.g. <c>--filter *Echo*</c>); without a filter every case runs.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        bool quick = false;
        string artifacts = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--alloc") return AllocationCheck.Run();
            if (args[i] == "--telemetry") return TelemetryPaired.Run(args.Contains("--quick"));
            if (args[i] == "--pool-default") return PoolDefault.Run(args.Contains("--quick"));
            if (args[i] == "--pool-memory" && i + 1 < args.Length) return PoolDefault.Memory(args[i + 1]);
            if (args[i] == "--paired" && i + 1 < args.Length) return Paired.Run(args[i + 1], args.Contains("--quick"));
            if (args[i] == "--loop" && i + 2 < args.Length) return Paired.Loop(args[i + 1], double.Parse(args[i + 2], System.Globalization.CultureInfo.InvariantCulture));
            if (args[i] == "--quick") quick = true;
            else if (args[i] == "--artifacts" && i + 1 < args.Length) artifacts = args[++i];
            else rest.Add(args[i]);
        }
        if (!rest.Contains("--filter")) rest.AddRange(["--filter", "*"]);
        // One summary for all classes, so there is one JSON report to read.
        if (!rest.Contains("--join")) rest.Add("--join");

        IConfig config = DefaultConfig.Instance
            .AddJob(CreateJob(quick))
            .AddExporter(JsonExporter.Brief)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.JoinSummary);

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config);
        // A case that threw (e.g. a plug-in failed to load) has no result: that must fail the run.
        bool failed = !summaries.Any() || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }

    /// <summary>
    /// In-process: no generated project to build (fast, and no second build of the SDK competing
    /// for file locks with other work in the repository), and the native library is loaded once.
    /// </summary>
    private static Job CreateJob(bool quick)
    {
        Job job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1);
        return quick
            ? job.WithId("Quick").WithWarmupCount(1).WithIterationCount(5).WithIterationTime(TimeInterval.FromMilliseconds(50))
            : job.WithId("Full").WithWarmupCount(6).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(250));
    }
}

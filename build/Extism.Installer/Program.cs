using System.Runtime.InteropServices;
using Extism.Installer;

using var cancel = new CancellationTokenSource();

// Cancel instead of dying on Ctrl+C or SIGTERM (MSBuild stops Exec children with it), so the
// finally blocks remove the half-built staging folder.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

var cli = new CliContext(
    Console.Out,
    Console.Error,
    !Console.IsErrorRedirected,
    Environment.CurrentDirectory,
    Environment.GetEnvironmentVariable,
    RepositoryLocator.Find(AppContext.BaseDirectory));
return await Cli.RunAsync(args, cli, cancel.Token);

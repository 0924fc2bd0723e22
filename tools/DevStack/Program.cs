using DevStack;

var parsed = StackOptions.Parse(args);
if (parsed.ShowHelp)
{
    Console.WriteLine(StackOptions.Usage);
    return 0;
}
if (parsed.Options is not { } options)
{
    Console.Error.WriteLine($"{parsed.Error} Options: dotnet run --project tools/DevStack -- --help");
    return 2;
}

// Every port is checked before anything starts, so a conflict costs nothing to fix.
var portProblems = PortCheck.FindProblems(options);
if (portProblems.Count > 0)
{
    foreach (var problem in portProblems)
    {
        Output.Error(problem);
    }
    return 2;
}

using var shutdown = new ShutdownSignal();
return await Supervisor.RunAsync(options, shutdown);

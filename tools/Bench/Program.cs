using System.Globalization;
using Bench.Analysis;
using Bench.Intake;

// One benchmark per service, chosen by the first argument; each lives in its own folder.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args.FirstOrDefault() switch
{
    "intake" => await IntakeBench.RunAsync(args),
    "analysis" => await AnalysisBench.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: dotnet run -c Release --project tools/Bench -- <intake|analysis> [options]   (--help after the name lists its options)");
    return 2;
}

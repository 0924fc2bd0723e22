using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Versioning;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DispatchBench;

/// <summary>Dispatch as `dotnet Dispatch.dll` from its build output in this configuration, configured by environment.</summary>
internal sealed class DispatchProcess : IDisposable
{
    private readonly Process _process;

    private DispatchProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;

    public static DispatchProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Microservices.sln")))
        {
            dir = dir.Parent;
        }
        var configuration = typeof(DispatchProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var framework = new FrameworkName(AppContext.TargetFrameworkName!);
        var dll = Path.Combine(dir!.FullName, "services", "Dispatch", "bin", configuration, $"net{framework.Version.Major}.{framework.Version.Minor}", "Dispatch.dll");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine($"[dispatch] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine($"[dispatch] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"dispatch started (pid {process.Id}) on {url}: {dll}");
        return new DispatchProcess(process, new Uri(url));
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("dispatch did not become healthy");
    }

    /// <summary>utime + stime of the process in seconds (/proc/pid/stat fields 14 and 15; 100 ticks per second).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(rest[11]) + long.Parse(rest[12])) / 100.0;
    }

    public double PeakResidentMiB()
        => File.ReadLines($"/proc/{Pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0).FirstOrDefault();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}

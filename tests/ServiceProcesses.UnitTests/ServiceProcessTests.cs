using System.Collections.Concurrent;
using ServiceProcesses;

namespace ServiceProcesses.UnitTests;

public sealed class ServiceProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("service-process-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_child_that_dies_fails_the_health_wait_with_its_name_and_exit_code_and_its_lines_are_echoed()
    {
        // Not an assembly: the dotnet host says so and exits at once.
        var dll = Path.Combine(_folder, "Broken.dll");
        await File.WriteAllTextAsync(dll, "not an assembly");
        var echoed = new ConcurrentQueue<(string Name, string Line)>();
        var reported = new ConcurrentQueue<string>();
        using var child = ServiceProcess.Start(dll, new Dictionary<string, string>(), new ServiceProcessOptions
        {
            Echo = (name, line) => echoed.Enqueue((name, line)),
            Report = reported.Enqueue,
        });
        var received = new ConcurrentQueue<string>();
        child.LineReceived += received.Enqueue;

        var error = await Assert.ThrowsAsync<ServiceStartException>(() => child.WaitHealthyAsync(TimeSpan.FromSeconds(60)));

        var exitCode = await child.Exited;
        Assert.NotEqual(0, exitCode);
        Assert.Equal($"broken exited with code {exitCode} before it became healthy; its last [broken] lines above say why.", error.Message);
        Assert.Equal("broken", child.Name);
        Assert.Equal("127.0.0.1", child.Address.Host);
        Assert.NotEmpty(echoed);
        Assert.All(echoed, e => Assert.Equal("broken", e.Name));
        Assert.Contains(reported, r => r.StartsWith($"broken started (pid {child.Pid}) on {child.Address.ToString().TrimEnd('/')}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopping_a_child_that_has_exited_returns_at_once()
    {
        var dll = Path.Combine(_folder, "Gone.dll");
        await File.WriteAllTextAsync(dll, "not an assembly");
        using var child = ServiceProcess.Start(dll, new Dictionary<string, string>(), new ServiceProcessOptions { Name = "gone", Port = 1, Echo = (_, _) => { }, Report = _ => { } });
        await child.Exited.WaitAsync(TimeSpan.FromSeconds(60));

        await child.StopAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("gone", child.Name);
        Assert.Equal(new Uri("http://127.0.0.1:1"), child.Address);
    }
}

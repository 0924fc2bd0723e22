using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Suite.IntegrationTests;

/// <summary>
/// The gateway tried as a new user would, with tools we did not write: `buf curl` and a @grpc/grpc-js
/// client, each with a token (answered) and without (UNAUTHENTICATED). The npm packages (pinned in
/// cli/package.json) are installed once into a cache folder outside the repository.
/// </summary>
[Collection(EmbeddedKafkaCollection.Name)]
public sealed class CliClientTests(EmbeddedKafkaSuite suite, ITestOutputHelper output)
{
    private const string ListUnits = "dispatch.v1.DispatchService/ListUnits";

    [NodeFact]
    public async Task Buf_curl_calls_through_the_gateway_with_a_token_and_is_refused_without()
    {
        var clients = await NodeClients.InstallAsync(output);
        var url = new Uri(suite.GatewayAddress, ListUnits).ToString();
        var token = suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1));
        string[] common = ["curl", "--schema", NodeClients.Protos, "--protocol", "grpc", "--http2-prior-knowledge", "-d", "{}"];

        var answered = await NodeClients.RunAsync(clients.Buf, [.. common, "-H", $"authorization: Bearer {token}", url], output);
        Assert.True(answered.ExitCode == 0, answered.ToString());
        using (var json = JsonDocument.Parse(answered.Stdout))
        {
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind); // {"units": [...]} or {} when none are known
        }

        var refused = await NodeClients.RunAsync(clients.Buf, [.. common, url], output);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("unauthenticated", refused.Stderr);
        Assert.Contains("bearer token is required", refused.Stderr);
    }

    [NodeFact]
    public async Task A_grpc_js_client_calls_through_the_gateway_with_a_token_and_is_refused_without()
    {
        var clients = await NodeClients.InstallAsync(output);
        var address = $"{suite.GatewayAddress.Host}:{suite.GatewayAddress.Port}";
        var token = suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1));

        var answered = await NodeClients.RunAsync("node", [clients.GrpcJsClient, NodeClients.Protos, address, token], output);
        var refused = await NodeClients.RunAsync("node", [clients.GrpcJsClient, NodeClients.Protos, address], output);

        Assert.True(answered.ExitCode == 0, answered.ToString());
        Assert.Equal(0, JsonDocument.Parse(answered.Stdout).RootElement.GetProperty("code").GetInt32());
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.Equal(16, JsonDocument.Parse(refused.Stdout).RootElement.GetProperty("code").GetInt32()); // UNAUTHENTICATED
    }
}

/// <summary>buf and the grpc-js client script, installed from the npm registry into a cache folder keyed by cli/package.json.</summary>
internal sealed record NodeClients(string Buf, string GrpcJsClient)
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static string Protos { get; } = Path.Combine(RepoRoot(), "protos");

    public static async Task<NodeClients> InstallAsync(ITestOutputHelper output)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "cli");
        var manifest = await File.ReadAllBytesAsync(Path.Combine(source, "package.json"));
        var folder = Path.Combine(Path.GetTempPath(), "incident-suite-cli-clients", Convert.ToHexString(SHA256.HashData(manifest))[..12]);
        var buf = Path.Combine(folder, "node_modules", ".bin", "buf");
        await Installing.WaitAsync();
        try
        {
            if (!File.Exists(buf))
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllBytesAsync(Path.Combine(folder, "package.json"), manifest);
                var install = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", folder], output, TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0 && File.Exists(buf), $"npm install of cli/package.json failed: {install}");
            }
            var script = Path.Combine(folder, "grpc-js-client.js");
            File.Copy(Path.Combine(source, "grpc-js-client.js"), script, overwrite: true);
            return new NodeClients(buf, script);
        }
        finally
        {
            Installing.Release();
        }
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
    }

    public static async Task<Result> RunAsync(string program, IReadOnlyList<string> arguments, ITestOutputHelper output, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in time");
        }
        var result = new Result(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
        output.WriteLine($"$ {program} {string.Join(' ', arguments.Select(a => a.StartsWith("authorization", StringComparison.Ordinal) ? "authorization: Bearer …" : a.StartsWith("eyJ", StringComparison.Ordinal) ? "<token>" : a))}\n{result}");
        return result;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Microservices.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Microservices.sln");
    }
}

/// <summary>A test that needs node and npm on PATH; skipped with the reason where they are missing.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        var missing = new[] { "node", "npm" }.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            Skip = $"needs {string.Join(" and ", missing)} on PATH to install and run buf and @grpc/grpc-js (npm registry)";
        }
    }

    private static bool OnPath(string tool)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

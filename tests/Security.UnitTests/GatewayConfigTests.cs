using System.Text.Json;
using ServiceDefaults.Security;

namespace Security.UnitTests;

/// <summary>gateway/appsettings.json: long-lived streams are never cut by a route timeout, and every cluster is health-checked over gRPC.</summary>
public sealed class GatewayConfigTests
{
    private static readonly JsonElement Proxy = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "gateway", "appsettings.json"))).RootElement.GetProperty("ReverseProxy");

    [Fact]
    public void Every_server_streaming_RPC_has_its_own_route_without_a_timeout()
    {
        var routes = Proxy.GetProperty("Routes").EnumerateObject().Select(r => r.Value).ToList();
        foreach (var method in RpcPolicies.Catalog.Where(m => m.IsServerStreaming))
        {
            var path = RpcPolicies.PathOf(method);
            var route = routes.SingleOrDefault(r => r.GetProperty("Match").GetProperty("Path").GetString() == path);
            Assert.True(route.ValueKind == JsonValueKind.Object, $"{path} has no route of its own, so the service's unary timeout would cut it");
            Assert.Equal("Disable", route.GetProperty("TimeoutPolicy").GetString());
        }
        Assert.All(routes.Where(r => r.TryGetProperty("Timeout", out _)), r => Assert.True(r.TryGetProperty("Order", out _)));
    }

    [Fact]
    public void Every_cluster_is_probed_with_the_gRPC_health_policy()
    {
        foreach (var cluster in Proxy.GetProperty("Clusters").EnumerateObject())
        {
            var active = cluster.Value.GetProperty("HealthCheck").GetProperty("Active");
            Assert.True(active.GetProperty("Enabled").GetBoolean(), cluster.Name);
            Assert.Equal("GrpcHealth", active.GetProperty("Policy").GetString());
        }
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
        throw new InvalidOperationException("no Microservices.sln above the test binaries");
    }
}

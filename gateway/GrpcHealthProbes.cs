using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Grpc.Health.V1;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway;

/// <summary>
/// Active health checks that ask each destination's grpc.health.v1.Health/Check (the services' own
/// health, with their checks behind it) instead of a plain HTTP GET, which a gRPC endpoint cannot answer.
/// A destination is healthy when the call succeeds with SERVING; after <see cref="FailuresBeforeUnhealthy"/>
/// failed probes in a row the gateway stops sending it calls until a probe succeeds again.
/// </summary>
public sealed class GrpcHealthProbes(IDestinationHealthUpdater healthUpdater, ILogger<GrpcHealthProbes> logger) : IActiveHealthCheckPolicy, IProbingRequestFactory
{
    public const string PolicyName = "GrpcHealth";
    public const int FailuresBeforeUnhealthy = 2;

    /// <summary>Marks a request as a probe, so its response is read to the end (status and trailers) before the policy looks at it.</summary>
    internal static readonly HttpRequestOptionsKey<bool> IsProbe = new("suite.grpc-health-probe");

    private static readonly byte[] EmptyCheckRequest = [0, 0, 0, 0, 0]; // uncompressed, length 0: HealthCheckRequest { service = "" }
    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();

    public string Name => PolicyName;

    public HttpRequestMessage CreateRequest(ClusterModel cluster, DestinationModel destination)
    {
        var address = new Uri(destination.Config.Health ?? destination.Config.Address);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyCheckRequest),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        request.Options.Set(IsProbe, true);
        return request;
    }

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        var updates = new List<NewActiveDestinationHealth>(probingResults.Count);
        foreach (var result in probingResults)
        {
            var failures = _failures.GetOrCreateValue(result.Destination);
            var problem = Problem(result);
            if (problem is null)
            {
                failures.Value = 0;
                updates.Add(new NewActiveDestinationHealth(result.Destination, DestinationHealth.Healthy));
                continue;
            }
            failures.Value++;
            logger.LogWarning("Health probe of {Cluster}/{Destination} failed ({Count} in a row): {Problem}",
                cluster.ClusterId, result.Destination.DestinationId, failures.Value, problem);
            var health = failures.Value >= FailuresBeforeUnhealthy ? DestinationHealth.Unhealthy : result.Destination.Health.Active;
            updates.Add(new NewActiveDestinationHealth(result.Destination, health));
        }
        healthUpdater.SetActive(cluster, updates);
    }

    /// <summary>Why a probe did not show a serving destination, or null.</summary>
    internal static string? Problem(DestinationProbingResult result)
    {
        if (result.Exception is { } e)
        {
            return e.Message;
        }
        var response = result.Response!;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"HTTP {(int)response.StatusCode}";
        }
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        if (status != "0")
        {
            return $"grpc-status {status ?? "missing"}";
        }
        // The body was buffered by ProbeBufferingHandler: reading it here does not block.
        using var body = response.Content.ReadAsStream();
        var bytes = new byte[body.Length];
        body.ReadExactly(bytes);
        if (bytes.Length < 5)
        {
            return "no health response message";
        }
        var serving = HealthCheckResponse.Parser.ParseFrom(bytes.AsSpan(5)).Status;
        return serving == HealthCheckResponse.Types.ServingStatus.Serving ? null : $"status {serving}";
    }

    private static string? Header(HttpHeaders headers, string name)
        => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>The proxy's HTTP client, with health probes read to the end before the probe completes.</summary>
public sealed class GatewayHttpClientFactory : ForwarderHttpClientFactory
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
        => new ProbeBufferingHandler(base.WrapHandler(context, handler));

    private sealed class ProbeBufferingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Options.TryGetValue(GrpcHealthProbes.IsProbe, out var probe) && probe)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken); // trailers arrive with the end of the body
            }
            return response;
        }
    }
}

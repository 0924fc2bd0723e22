using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Security;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Suite.IntegrationTests;

/// <summary>The gateway's own behaviour: limits per identity, message size, gRPC-Web and CORS, TLS on one port, health checks, stream timeouts.</summary>
[Collection(EmbeddedKafkaCollection.Name)]
public sealed class GatewayTests(EmbeddedKafkaSuite suite)
{
    private const string ListUnitsPath = "/dispatch.v1.DispatchService/ListUnits";

    [Fact]
    public async Task A_burst_over_the_rate_limit_gets_RESOURCE_EXHAUSTED_with_retry_information_and_the_caller_recovers_after()
    {
        suite.StartGateway(suite.GatewaySettings(callsPerSecond: 5, callBurst: 5), out var address);
        using var channel = GrpcChannel.ForAddress(address);
        var hasty = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteIdentity.Operator("hasty"), TimeSpan.FromHours(1))));

        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            try
            {
                await hasty.ListUnitsAsync(new ListUnitsRequest());
                return null;
            }
            catch (RpcException e)
            {
                return e;
            }
        }));

        var refused = burst.OfType<RpcException>().ToList();
        Assert.InRange(burst.Length - refused.Count, 5, 8); // the burst allowance, and at most what refilled meanwhile
        Assert.All(refused, e => Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode));
        var retry = refused[0].GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan();
        Assert.InRange(retry, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal("1", refused[0].Trailers.GetValue("retry-after"));

        // Another identity is not held back by this one.
        var calm = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteIdentity.Operator("calm"), TimeSpan.FromHours(1))));
        await calm.ListUnitsAsync(new ListUnitsRequest());

        // A caller that waits as advised is served again within a few advised delays (the advice is the limiter's
        // estimate when it refused, and the burst's last refusals came after the first).
        var served = false;
        for (var attempt = 0; attempt < 5 && !served; attempt++)
        {
            await Task.Delay(retry);
            try
            {
                await hasty.ListUnitsAsync(new ListUnitsRequest());
                served = true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                retry = e.GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan();
                Assert.InRange(retry, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
            }
        }
        Assert.True(served, "the caller was still refused after waiting as advised five times");
    }

    [Fact]
    public async Task Open_streams_are_capped_per_identity_and_a_closed_stream_frees_its_place()
    {
        suite.StartGateway(suite.GatewaySettings(maxStreams: 2), out var address);
        using var channel = GrpcChannel.ForAddress(address);
        var watcher = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteIdentity.Operator("watcher"), TimeSpan.FromHours(1))));

        var first = watcher.WatchFeed(new WatchFeedRequest());
        using var second = watcher.WatchFeed(new WatchFeedRequest());
        await first.ResponseHeadersAsync;
        await second.ResponseHeadersAsync;

        using (var third = watcher.WatchFeed(new WatchFeedRequest()))
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("open streams", refused.Status.Detail);
        }
        // Unary calls of the same identity are not streams: still served.
        await watcher.ListUnitsAsync(new ListUnitsRequest());

        first.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var again = watcher.WatchFeed(new WatchFeedRequest());
            var next = again.ResponseStream.MoveNext(CancellationToken.None);
            await again.ResponseHeadersAsync;
            if (await Task.WhenAny(next, Task.Delay(300)) != next || await next.ContinueWith(read => read.IsCompletedSuccessfully && read.Result))
            {
                break; // open: no refusal, or an event already
            }
            Assert.True(DateTime.UtcNow < deadline, "the closed stream's place was never freed");
            await Task.Delay(100); // the gateway sees the cancellation a moment after the client sent it
        }
    }

    [Fact]
    public async Task A_unary_request_over_the_message_limit_is_refused_at_the_gateway_and_by_the_service()
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "dispatch.v1.DispatchService", "ListUnits", bytes, bytes);
        var oversized = new byte[2 * 1024 * 1024];
        using var direct = GrpcChannel.ForAddress(suite.ServiceAddresses["dispatch"]);
        foreach (var (channel, expected) in new (ChannelBase, string)[] { (suite.Gateway, "the gateway forwards at most"), (direct, "") })
        {
            var invoker = SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1)));
            var refused = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, new CallOptions(), oversized).ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains(expected, refused.Status.Detail);
        }
    }

    [Fact]
    public async Task A_gRPC_Web_client_calls_through_the_gateway_with_a_token_and_is_refused_without()
    {
        using var channel = GrpcChannel.ForAddress(suite.GatewayAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new SocketsHttpHandler()),
            HttpVersion = HttpVersion.Version20, // the gateway's cleartext port speaks HTTP/2 only
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        var withToken = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1))));
        var withoutToken = new DispatchService.DispatchServiceClient(channel);

        await withToken.ListUnitsAsync(new ListUnitsRequest());
        var refused = await Assert.ThrowsAsync<RpcException>(() => withoutToken.ListUnitsAsync(new ListUnitsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task CORS_admits_only_the_configured_console_origin()
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        foreach (var (origin, admitted) in new[] { (SuiteFixture.ConsoleOrigin, true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(suite.GatewayAddress, ListUnitsPath)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-grpc-web");
            using var answer = await http.SendAsync(preflight);

            Assert.True(answer.StatusCode == HttpStatusCode.NoContent, $"{answer.StatusCode}: {answer.Headers} {await answer.Content.ReadAsStringAsync()}");
            Assert.Equal(admitted, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowed) && allowed.Single() == origin);
        }

        using var call = GrpcWebRequest(suite.GatewayAddress, ListUnitsPath, new ListUnitsRequest(), suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1)), HttpVersion.Version20);
        call.Headers.Add("Origin", SuiteFixture.ConsoleOrigin);
        using var response = await http.SendAsync(call);
        Assert.Equal(SuiteFixture.ConsoleOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("grpc-status", string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")));
    }

    [Fact]
    public async Task With_TLS_one_port_serves_gRPC_over_HTTP2_and_a_browsers_gRPC_Web_over_HTTP1()
    {
        using var certificate = SelfSignedCertificate();
        suite.StartGateway(suite.GatewaySettings(), out var address, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2; // ALPN picks per connection
            listen.UseHttps(certificate);
        });
        var https = new UriBuilder(address) { Scheme = "https" }.Uri;
        SocketsHttpHandler Trusting() => new()
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
        };
        var token = suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1));

        using (var grpc = GrpcChannel.ForAddress(https, new GrpcChannelOptions { HttpHandler = Trusting() }))
        {
            await new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(grpc, token)).ListUnitsAsync(new ListUnitsRequest());
        }

        using var browser = new HttpClient(Trusting());
        foreach (var (bearer, status) in new[] { (token, "0"), (null, "16") })
        {
            using var request = GrpcWebRequest(https, ListUnitsPath, new ListUnitsRequest(), bearer, HttpVersion.Version11);
            request.Headers.Add("Origin", SuiteFixture.ConsoleOrigin);
            using var response = await browser.SendAsync(request);
            Assert.Equal(HttpVersion.Version11, response.Version);
            Assert.Equal(status, GrpcWebStatus(response, await response.Content.ReadAsByteArrayAsync()));
        }
    }

    [Fact]
    public async Task Active_health_checks_take_a_dead_destination_out_of_rotation()
    {
        var settings = new Dictionary<string, string?>(suite.GatewaySettings())
        {
            ["ReverseProxy:Clusters:dispatch:Destinations:dead:Address"] = "http://127.0.0.1:9", // discard port: nothing listens
            ["ReverseProxy:Clusters:dispatch:HealthCheck:Active:Interval"] = "00:00:00.300",
        };
        var services = suite.StartGateway(settings, out var address);
        var cluster = services.GetRequiredService<IProxyStateLookup>().TryGetCluster("dispatch", out var state) ? state : throw new InvalidOperationException("no dispatch cluster");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (cluster.DestinationsState.AvailableDestinations.Count != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var health = cluster.Destinations.ToDictionary(d => d.Key, d => d.Value.Health.Active);
        Assert.Equal(DestinationHealth.Healthy, health["primary"]);
        Assert.Equal(DestinationHealth.Unhealthy, health["dead"]);

        // Every call now goes to the live destination.
        using var channel = GrpcChannel.ForAddress(address);
        var dispatch = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1))));
        for (var i = 0; i < 10; i++)
        {
            await dispatch.ListUnitsAsync(new ListUnitsRequest());
        }
    }

    [Fact]
    public async Task A_long_lived_stream_outlives_the_unary_route_timeout()
    {
        var settings = new Dictionary<string, string?>(suite.GatewaySettings())
        {
            ["ReverseProxy:Routes:dispatch:Timeout"] = "00:00:01",
        };
        suite.StartGateway(settings, out var address);
        using var channel = GrpcChannel.ForAddress(address);
        var operatorClient = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, suite.Tokens.Issue(SuiteFixture.Operator, TimeSpan.FromHours(1))));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var feed = operatorClient.WatchFeed(new WatchFeedRequest(), cancellationToken: cts.Token);
        await feed.ResponseHeadersAsync;
        await Task.Delay(TimeSpan.FromSeconds(2.5), cts.Token); // well past the unary timeout

        // Still open: an event produced now arrives on it.
        var unit = $"timeout-{Guid.NewGuid():N}"[..16];
        using var terminal = await Terminal.ConnectAsync(suite, unit, UnitKind.Drone, new GeoPoint { Latitude = 45.75, Longitude = 126.63 }, cts.Token);
        while (await feed.ResponseStream.MoveNext(cts.Token))
        {
            if (feed.ResponseStream.Current.Unit?.UnitId == unit)
            {
                return;
            }
        }
        Assert.Fail("the feed ended");
    }

    /// <summary>A gRPC-Web request as a browser sends it: one length-prefixed message, binary protobuf.</summary>
    private static HttpRequestMessage GrpcWebRequest(Uri gateway, string path, IMessage message, string? token, Version version)
    {
        var payload = message.ToByteArray();
        var body = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(body, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, path))
        {
            Content = new ByteArrayContent(body),
            Version = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        request.Headers.Add("x-grpc-web", "1");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    /// <summary>grpc-status of a gRPC-Web response: in the headers (trailers-only) or in the trailer frame (flag 0x80) of the body.</summary>
    private static string? GrpcWebStatus(HttpResponseMessage response, byte[] body)
    {
        if (response.Headers.TryGetValues("grpc-status", out var inHeaders))
        {
            return inHeaders.Single();
        }
        for (var at = 0; at + 5 <= body.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            if ((body[at] & 0x80) != 0)
            {
                var trailers = Encoding.ASCII.GetString(body, at + 5, length).Split("\r\n");
                return trailers.FirstOrDefault(t => t.StartsWith("grpc-status:", StringComparison.OrdinalIgnoreCase))?.Split(':')[1].Trim();
            }
            at += 5 + length;
        }
        return null;
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=gateway.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // A certificate with an exportable private key: what Kestrel's TLS needs on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}

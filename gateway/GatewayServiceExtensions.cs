using Gateway;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Transforms;

namespace Microsoft.Extensions.Hosting;

public static class GatewayServiceExtensions
{
    public const string ConsoleCorsPolicy = "console";

    /// <summary>
    /// Routes and clusters come from the "ReverseProxy" section (appsettings, or environment in compose);
    /// the gateway's limits and console origins from "Gateway". Authentication comes with AddServiceDefaults.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);

        // Registered before AddReverseProxy, which only adds its defaults where none is registered.
        services.AddSingleton<GrpcHealthProbes>();
        services.AddSingleton<IProbingRequestFactory>(sp => sp.GetRequiredService<GrpcHealthProbes>());
        services.AddSingleton<IActiveHealthCheckPolicy>(sp => sp.GetRequiredService<GrpcHealthProbes>());
        services.AddSingleton<IForwarderHttpClientFactory, GatewayHttpClientFactory>();
        services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTransforms(transforms => transforms.AddResponseTransform(async response =>
            {
                // A stream's headers go to the caller as soon as the service accepted it, not with its first event.
                if (GatewayRpcs.IsServerStreaming(response.HttpContext.Request.Path.Value ?? "") && response.ProxyResponse is not null)
                {
                    await response.HttpContext.Response.StartAsync(response.CancellationToken);
                    await response.HttpContext.Response.Body.FlushAsync(response.CancellationToken);
                }
            }));

        services.AddSingleton<RpcGate>();
        services.AddRequestTimeouts();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<GatewayOptions>>((limiter, gateway) => CallerLimits.Configure(limiter, gateway.Value));
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<GatewayOptions>>((cors, gateway) => cors.AddPolicy(ConsoleCorsPolicy, policy => policy
            .WithOrigins([.. gateway.Value.ConsoleOrigins.Where(origin => !string.IsNullOrWhiteSpace(origin))])
            .WithMethods("POST")
            .WithHeaders("authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout")
            .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after", "grpc-retry-pushback-ms")));
        return builder;
    }

    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        // Browsers (the operator console) only from the configured origins; preflights end here.
        app.UseCors(ConsoleCorsPolicy);
        // Per-route timeouts from the route config; long-lived streams have none.
        app.UseRequestTimeouts();
        // The gateway answers grpc.health.v1 itself; everything else is proxied by gRPC service path.
        app.MapGrpcHealthChecksService();
        var gate = app.Services.GetRequiredService<RpcGate>();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseRateLimiter();
            proxy.Use((context, next) => gate.InvokeAsync(context, () => next(context)));
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}

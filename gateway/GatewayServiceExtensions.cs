namespace Microsoft.Extensions.Hosting;

public static class GatewayServiceExtensions
{
    /// <summary>Routes and clusters come from the "ReverseProxy" section (appsettings, or environment in compose).</summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        return builder;
    }

    public static WebApplication MapGatewayEndpoints(this WebApplication app)
    {
        // The gateway answers grpc.health.v1 itself; everything else is proxied by gRPC service path.
        app.MapGrpcHealthChecksService();
        app.MapReverseProxy();
        return app;
    }
}

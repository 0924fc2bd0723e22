using Analysis.Domain;
using Analysis.Grpc;
using Analysis.Infrastructure;
using Analysis.Messaging;
using Analysis.Streaming;
using Messaging;
using Redis;

namespace Microsoft.Extensions.Hosting;

public static class AnalysisServiceExtensions
{
    public static IHostApplicationBuilder AddAnalysisServices(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaMessaging();
        builder.AddRedis();
        var services = builder.Services;
        services.AddValidatedOptions<AnalysisOptions>(AnalysisOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IncidentIndex>();
        services.AddSingleton(_ => new AlertHub(AlertHub.DefaultSubscriberCapacity));

        // Consumer settings are fixed at registration; the bound options are validated again on start.
        var analysis = builder.Configuration.GetSection(AnalysisOptions.Section).Get<AnalysisOptions>() ?? new AnalysisOptions();
        services.AddKafkaConsumer<IncidentIndexer>(
            new KafkaConsumerSettings("incidents", analysis.ConsumerGroup, [Topics.Incidents], ConsumeMode.Group));
        // Every replica reads every alert for its own WatchAlerts callers; the group id is only a client identity.
        services.AddKafkaConsumer<AlertFanoutHandler>(
            new KafkaConsumerSettings("alerts", $"analysis-alerts-{Guid.NewGuid():N}", [Topics.Alerts], ConsumeMode.Broadcast));
        return builder;
    }

    public static WebApplication MapAnalysisEndpoints(this WebApplication app)
    {
        app.MapGrpcService<AnalysisGrpcService>();
        return app;
    }
}

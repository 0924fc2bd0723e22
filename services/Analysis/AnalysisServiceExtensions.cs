using Analysis.Domain;
using Analysis.Grpc;
using Analysis.Infrastructure;
using Analysis.Messaging;
using Analysis.Streaming;
using Messaging;
using Microsoft.Extensions.Options;
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
        services.AddSingleton(sp => new AlertHub(AlertHub.DefaultReplayCapacity, AlertHub.DefaultSubscriberCapacity, sp.GetRequiredService<TimeProvider>()));

        services.AddKafkaConsumer<IncidentIndexer>(sp => new KafkaConsumerSettings(
            "incidents", sp.GetRequiredService<IOptions<AnalysisOptions>>().Value.ConsumerGroup, [Topics.Incidents], ConsumeMode.Group));
        // Every replica reads every alert for its own WatchAlerts callers; the group id is only a client identity.
        services.AddKafkaConsumer<AlertFanoutHandler>(_ => new KafkaConsumerSettings(
            "alerts", $"analysis-alerts-{Guid.NewGuid():N}", [Topics.Alerts], ConsumeMode.Broadcast));
        return builder;
    }

    public static WebApplication MapAnalysisEndpoints(this WebApplication app)
    {
        app.MapGrpcService<AnalysisGrpcService>();
        return app;
    }
}

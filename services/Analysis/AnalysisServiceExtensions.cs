using Analysis.Domain.Fraud;
using Analysis.Application;
using Analysis.Domain;
using Analysis.Domain.Hotspots;
using Analysis.Domain.Series;
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
        services.AddValidatedOptions<SeriesOptions>(SeriesOptions.Section);
        services.AddValidatedOptions<DuplicateOptions>(DuplicateOptions.Section);
        services.AddValidatedOptions<DisputeOptions>(DisputeOptions.Section);
        services.AddValidatedOptions<HotspotOptions>(HotspotOptions.Section);
        services.AddValidatedOptions<FraudOptions>(FraudOptions.Section);
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<RedisKeys>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<SpatialIndex>();
        services.AddSingleton<IncidentIndexing>();
        services.AddSingleton<NearbySearch>();
        services.AddSingleton(sp => new CandidateScoring(new SeriesScorer(sp.GetRequiredService<IOptions<SeriesOptions>>().Value)));
        services.AddSingleton<SeriesNearMisses>();
        // Started before the analysing consumer: its searches wait for the index to hold what was published before them.
        services.AddSingleton<IncidentIndexFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<IncidentIndexFeed>());
        services.AddSingleton<HotspotStore>();
        services.AddSingleton(sp =>
        {
            var hotspots = sp.GetRequiredService<IOptions<HotspotOptions>>().Value;
            return new HotspotCounter(new HotspotRule(hotspots), new HotspotGrid(hotspots.CellMeters), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<DisputeStore>();
        services.AddSingleton<SeriesGraph>();
        services.AddSingleton<FraudGraph>();
        services.AddSingleton(sp => new CommonIdentifierRule(sp.GetRequiredService<IOptions<FraudOptions>>().Value));
        services.AddSingleton<WatchlistStore>();
        services.AddSingleton<SeriesReader>();
        services.AddSingleton<FraudChainReader>();
        services.AddSingleton<AlertSink>();
        services.AddSingleton<IncidentAnalyzer>();
        services.AddSingleton<AnalysisStats>();
        services.AddHostedService<AnalysisStatsReporter>();
        services.AddSingleton(sp => new AlertHub(AlertHub.DefaultReplayCapacity, AlertHub.DefaultSubscriberCapacity, sp.GetRequiredService<TimeProvider>()));

        services.AddKafkaConsumer<IncidentIndexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AnalysisOptions>>().Value;
            return new KafkaConsumerSettings("incidents", options.ConsumerGroup, [Topics.Incidents], ConsumeMode.Group, options.MaxInFlight, options.MaxBatch);
        });
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

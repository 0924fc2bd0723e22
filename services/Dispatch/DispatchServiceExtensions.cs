using Dispatch.Application;
using Dispatch.Domain;
using Dispatch.Grpc;
using Dispatch.Infrastructure;
using Dispatch.Messaging;
using Dispatch.Streaming;
using Messaging;
using Microsoft.Extensions.Options;
using Redis;

namespace Microsoft.Extensions.Hosting;

public static class DispatchServiceExtensions
{
    public static IHostApplicationBuilder AddDispatchServices(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaMessaging();
        builder.AddRedis();
        var services = builder.Services;
        services.AddValidatedOptions<DispatchOptions>(DispatchOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DispatchMetrics>();
        services.AddSingleton(sp =>
        {
            var dispatch = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            return new UnitIndex(dispatch.RoadFactor, TimeSpan.FromSeconds(dispatch.PositionMaxAgeSeconds), dispatch.SearchRadiusMeters);
        });
        services.AddSingleton<UnitStore>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<PlanStore>();
        services.AddSingleton<DeadlineStore>();
        services.AddSingleton<DispatchEvents>();
        services.AddSingleton<UnitService>();
        services.AddSingleton<ResponseEngine>();
        services.AddSingleton<IncidentLifecycle>();
        services.AddSingleton<AssignmentService>();
        services.AddSingleton<IncidentDispatcher>();
        services.AddSingleton<AlertResponder>();
        services.AddSingleton<SupportService>();
        services.AddSingleton<Supervisor>();
        services.AddSingleton<TerminalSessions>();
        services.AddSingleton(sp =>
        {
            var dispatch = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            return new FeedHub(dispatch.FeedReplayCapacity, dispatch.FeedSubscriberQueue);
        });

        // Hosted services start in this order. The index's broadcast consumer fixes its positions first,
        // then the index is loaded from Redis (later changes arrive as events), and only then does this
        // replica take incidents and alerts.
        services.AddKafkaConsumer<UnitIndexHandler>(sp => new KafkaConsumerSettings(
            "unit-index", $"{sp.GetRequiredService<IOptions<DispatchOptions>>().Value.ConsumerGroup}-index-{Guid.NewGuid():N}", UnitIndexHandler.IndexTopics, ConsumeMode.Broadcast));
        services.AddHostedService<UnitIndexLoader>();
        services.AddKafkaConsumer<IncidentReportedHandler>(sp =>
        {
            var dispatch = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            return new KafkaConsumerSettings("incidents", dispatch.ConsumerGroup, [Topics.Incidents], ConsumeMode.Group, dispatch.IncidentConcurrency);
        });
        services.AddKafkaConsumer<AlertReceivedHandler>(sp => new KafkaConsumerSettings(
            "alerts", $"{sp.GetRequiredService<IOptions<DispatchOptions>>().Value.ConsumerGroup}-alerts", [Topics.Alerts], ConsumeMode.Group));
        // Every replica reads the whole feed for its own terminals and operators; the group id is only a client identity.
        services.AddKafkaConsumer<FeedFanoutHandler>(sp => new KafkaConsumerSettings(
            "feed", $"{sp.GetRequiredService<IOptions<DispatchOptions>>().Value.ConsumerGroup}-feed-{Guid.NewGuid():N}", FeedFanoutHandler.FeedTopics, ConsumeMode.Broadcast));
        services.AddHostedService<DeadlineWorker>();
        return builder;
    }

    public static WebApplication MapDispatchEndpoints(this WebApplication app)
    {
        app.MapGrpcService<DispatchGrpcService>();
        return app;
    }
}

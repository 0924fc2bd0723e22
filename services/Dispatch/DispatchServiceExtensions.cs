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
        services.AddSingleton<UnitStore>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<UnitService>();
        services.AddSingleton<AssignmentService>();
        services.AddSingleton<IncidentDispatcher>();
        services.AddSingleton<TerminalSessions>();
        services.AddSingleton(sp =>
        {
            var dispatch = sp.GetRequiredService<IOptions<DispatchOptions>>().Value;
            return new FeedHub(dispatch.FeedReplayCapacity, dispatch.FeedSubscriberQueue);
        });

        services.AddKafkaConsumer<IncidentReportedHandler>(sp => new KafkaConsumerSettings(
            "incidents", sp.GetRequiredService<IOptions<DispatchOptions>>().Value.ConsumerGroup, [Topics.Incidents], ConsumeMode.Group));
        // Every replica reads the whole feed for its own terminals and operators; the group id is only a client identity.
        services.AddKafkaConsumer<FeedFanoutHandler>(sp => new KafkaConsumerSettings(
            "feed", $"{sp.GetRequiredService<IOptions<DispatchOptions>>().Value.ConsumerGroup}-feed-{Guid.NewGuid():N}", FeedFanoutHandler.FeedTopics, ConsumeMode.Broadcast));
        return builder;
    }

    public static WebApplication MapDispatchEndpoints(this WebApplication app)
    {
        app.MapGrpcService<DispatchGrpcService>();
        return app;
    }
}

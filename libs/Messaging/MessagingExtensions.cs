using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging;

public static class MessagingExtensions
{
    /// <summary>Kafka options, the process's producer, topic provisioning and the handler retry pipeline.</summary>
    public static IHostApplicationBuilder AddKafkaMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<KafkaOptions>(KafkaOptions.Section);
        builder.Services.TryAddSingleton<IKafkaClientConfigurator, KafkaClientConfigurator>();
        builder.Services.TryAddSingleton<EventPublisher>();
        builder.Services.TryAddSingleton<HandlerRetryPipeline>();
        // Provisioning runs before any consumer subscribes (hosted services start in order).
        builder.Services.AddHostedService<TopicProvisioner>();
        return builder;
    }

    /// <summary>Runs <typeparamref name="THandler"/> in a hosted consumer loop over the topics <paramref name="settings"/> names (built from validated options).</summary>
    public static IServiceCollection AddKafkaConsumer<THandler>(this IServiceCollection services, Func<IServiceProvider, KafkaConsumerSettings> settings)
        where THandler : class, IKafkaMessageHandler
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton<IHostedService>(sp => new KafkaConsumerService<THandler>(
            settings(sp),
            sp.GetRequiredService<THandler>(),
            sp.GetRequiredService<HandlerRetryPipeline>(),
            sp.GetRequiredService<IOptions<KafkaOptions>>(),
            sp.GetRequiredService<IKafkaClientConfigurator>(),
            sp.GetRequiredService<ILogger<KafkaConsumerService<THandler>>>()));
        return services;
    }
}

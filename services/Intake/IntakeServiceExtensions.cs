using Intake.Application;
using Intake.Domain;
using Intake.Infrastructure;
using Intake.Grpc;
using Intake.Messaging;
using Messaging;
using Microsoft.Extensions.Options;
using Redis;

namespace Microsoft.Extensions.Hosting;

public static class IntakeServiceExtensions
{
    public static IHostApplicationBuilder AddIntakeServices(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaMessaging();
        builder.AddRedis();
        var services = builder.Services;
        services.AddGrpc().AddServiceOptions<IntakeGrpcService>(grpc => grpc.MaxReceiveMessageSize = IntakeGrpcService.MaxMessageBytes);
        services.AddValidatedOptions<IntakeOptions>(IntakeOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ReportValidator>();
        services.AddSingleton<IncidentFactory>();
        services.AddSingleton<AcceptedReports>();
        services.AddSingleton<IncidentEventPublisher>();
        services.AddSingleton<ReportIntake>();
        services.AddKafkaConsumer<PartnerReportHandler>(sp =>
        {
            var intake = sp.GetRequiredService<IOptions<IntakeOptions>>().Value;
            return new KafkaConsumerSettings("partners", intake.PartnerConsumerGroup, [Topics.PartnerIncidents], ConsumeMode.Group, intake.PartnerMaxInFlight);
        });
        return builder;
    }

    public static WebApplication MapIntakeEndpoints(this WebApplication app)
    {
        app.MapGrpcService<IntakeGrpcService>();
        return app;
    }
}

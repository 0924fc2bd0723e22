using Intake.Domain;
using Intake.Grpc;
using Intake.Messaging;
using Messaging;

namespace Microsoft.Extensions.Hosting;

public static class IntakeServiceExtensions
{
    public static IHostApplicationBuilder AddIntakeServices(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaMessaging();
        builder.Services.AddValidatedOptions<IntakeOptions>(IntakeOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReportValidator>();
        builder.Services.AddSingleton<IncidentFactory>();
        builder.Services.AddSingleton<IncidentEventPublisher>();
        return builder;
    }

    public static WebApplication MapIntakeEndpoints(this WebApplication app)
    {
        app.MapGrpcService<IntakeGrpcService>();
        return app;
    }
}

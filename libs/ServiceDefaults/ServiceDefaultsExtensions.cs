using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServiceDefaults.Privacy;

namespace Microsoft.Extensions.Hosting;

public static class ServiceDefaultsExtensions
{
    /// <summary>Activity sources of our own code that traces should include.</summary>
    public const string TelemetrySourcePrefix = "Suite.";

    /// <summary>The largest gRPC message a host accepts (the gateway refuses larger unary requests itself).</summary>
    public const int MaxReceiveMessageBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        // The console is the only log sink, and it masks phone, account and ID numbers (Privacy/SensitiveData).
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.FormatterName = MaskingConsoleFormatter.FormatterName)
            .AddConsoleFormatter<MaskingConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>(options => options.TimestampFormat = "HH:mm:ss.fff ");

        builder.Services.AddGrpc(options =>
        {
            // Callers get a status and a message we chose, never exception text.
            options.EnableDetailedErrors = false;
            // No contract message comes near this; Intake lowers it further for reports.
            options.MaxReceiveMessageSize = MaxReceiveMessageBytes;
        });
        builder.AddSuiteSecurity();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy());

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddProcessor(new MaskingActivityProcessor()) // before any exporter
                .AddSource(TelemetrySourcePrefix + "*")
                .AddAspNetCoreInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetrySourcePrefix + "*")
                .AddAspNetCoreInstrumentation());
        // Export only where a collector is configured (compose sets it; the local stack does not).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validates data annotations, fails start-up when invalid.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
        => services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Browsers reach the services through the gateway with gRPC-Web; the gateway forwards it unchanged.
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}

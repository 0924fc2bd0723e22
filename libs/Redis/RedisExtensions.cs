using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Redis;

public static class RedisExtensions
{
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RedisOptions>(RedisOptions.Section);
        builder.Services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);
            // Keep retrying in the background instead of failing start-up when Redis comes up after us.
            options.AbortOnConnectFail = false;
            options.ClientName = builder.Environment.ApplicationName;
            return ConnectionMultiplexer.Connect(options);
        });
        return builder;
    }
}

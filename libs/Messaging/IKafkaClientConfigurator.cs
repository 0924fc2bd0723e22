using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Messaging;

/// <summary>Applies settings common to every Kafka client of the process (client id; later security).</summary>
public interface IKafkaClientConfigurator
{
    string ClientId { get; }
    void Apply(ClientConfig config);
}

internal sealed class KafkaClientConfigurator(IOptions<KafkaOptions> options, IHostEnvironment environment) : IKafkaClientConfigurator
{
    public string ClientId { get; } = $"{options.Value.ClientId ?? environment.ApplicationName}-{Environment.ProcessId}";

    public void Apply(ClientConfig config)
    {
        config.BootstrapServers = options.Value.BootstrapServers;
    }
}

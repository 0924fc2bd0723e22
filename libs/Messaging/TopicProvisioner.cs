using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging;

/// <summary>Creates the suite's topics on a real Kafka cluster at start when <see cref="KafkaOptions.ProvisionTopics"/> is set.</summary>
public sealed class TopicProvisioner(IOptions<KafkaOptions> options, IKafkaClientConfigurator configurator, ILogger<TopicProvisioner> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kafka = options.Value;
        if (!kafka.ProvisionTopics)
        {
            return;
        }

        var config = new AdminClientConfig { ClientId = $"{configurator.ClientId}-admin" };
        configurator.Apply(config);
        using var admin = new AdminClientBuilder(config).Build();
        var specs = Topics.All.Select(t => new TopicSpecification
        {
            Name = t.Name,
            NumPartitions = kafka.Partitions,
            ReplicationFactor = kafka.ReplicationFactor,
        }).ToList();
        try
        {
            await admin.CreateTopicsAsync(specs);
            logger.LogInformation("Created topics {Topics}", string.Join(", ", specs.Select(s => s.Name)));
        }
        catch (CreateTopicsException e)
        {
            var failures = e.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists)).ToList();
            if (failures.Count > 0)
            {
                throw new InvalidOperationException(
                    "Creating Kafka topics failed: " + string.Join("; ", failures.Select(f => $"{f.Topic}: {f.Error.Reason}")), e);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.ComponentModel.DataAnnotations;

namespace Messaging;

/// <summary>Section "Kafka". Every key can be set by environment, e.g. Kafka__BootstrapServers.</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    [Required]
    public string BootstrapServers { get; set; } = "";

    /// <summary>Prefix of client ids and the producer name in event metadata; defaults to the application name.</summary>
    public string? ClientId { get; set; }

    /// <summary>Create missing topics with AdminClient at start (real Kafka). The embedded broker provisions its own.</summary>
    public bool ProvisionTopics { get; set; }

    [Range(1, 1000)]
    public int Partitions { get; set; } = 6;

    [Range(1, 10)]
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>How long the producer keeps retrying one record before it reports failure.</summary>
    [Range(1000, 300_000)]
    public int MessageTimeoutMs { get; set; } = 30_000;

    [Range(0, 1000)]
    public int LingerMs { get; set; } = 2;

    /// <summary>How long a crashed consumer keeps its partitions before the group hands them on: the failover time.</summary>
    [Range(3000, 300_000)]
    public int SessionTimeoutMs { get; set; } = 10_000;

    /// <summary>Longest a fetch waits for new data; low keeps push latency to terminals low.</summary>
    [Range(1, 5000)]
    public int FetchWaitMaxMs { get; set; } = 20;
}

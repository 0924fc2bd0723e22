using System.ComponentModel.DataAnnotations;

namespace Intake.Domain;

/// <summary>Section "Intake".</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>How far in the future occurred_at / reported_at may be (terminal clocks drift).</summary>
    [Range(0, 86_400)]
    public int MaxFutureSkewSeconds { get; set; } = 300;

    /// <summary>Reports about events older than this are rejected as absurd.</summary>
    [Range(1, 36_500)]
    public int MaxAgeDays { get; set; } = 365;

    /// <summary>Longest a submitter waits for the broker's acknowledgement before it is told UNAVAILABLE (shorter if its own deadline is).</summary>
    [Range(1, 300)]
    public int PublishTimeoutSeconds { get; set; } = 10;

    /// <summary>Publishes awaiting acknowledgement at once across all callers; more wait in a queue of the same size, beyond that callers get UNAVAILABLE.</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlightPublishes { get; set; } = 20_000;

    /// <summary>Consumer group reading partner.incidents.v1.</summary>
    [Required]
    public string PartnerConsumerGroup { get; set; } = "intake-partners";

    /// <summary>Partner records handled concurrently (offsets are still stored in order).</summary>
    [Range(1, 100_000)]
    public int PartnerMaxInFlight { get; set; } = 2_000;
}

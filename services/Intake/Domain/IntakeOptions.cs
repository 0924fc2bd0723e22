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
}

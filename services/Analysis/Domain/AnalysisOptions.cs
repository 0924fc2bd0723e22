using System.ComponentModel.DataAnnotations;

namespace Analysis.Domain;

/// <summary>Section "Analysis"; e.g. Analysis__IncidentRetentionDays=30.</summary>
public sealed class AnalysisOptions
{
    public const string Section = "Analysis";

    /// <summary>Consumer group of the incident indexer on incidents.v1, shared by every Analysis replica.</summary>
    [Required]
    public string ConsumerGroup { get; set; } = "analysis";

    /// <summary>How long an incident stays indexed, counted from when Intake received it.</summary>
    [Range(1, 365)]
    public int IncidentRetentionDays { get; set; } = 30;
}

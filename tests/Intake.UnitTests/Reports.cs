using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Intake.Domain;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TestData;

namespace Intake.UnitTests;

/// <summary>The fixed clock, the default options and the one valid report every case starts from.</summary>
internal static class Reports
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly IntakeOptions Options = new();

    public static FakeTimeProvider Clock() => new(Now);

    public static ReportValidator Validator() => new(Microsoft.Extensions.Options.Options.Create(Options), Clock());

    public static Timestamp At(DateTimeOffset time) => Timestamp.FromDateTimeOffset(time);

    /// <summary>The shared valid report at the fixed clock.</summary>
    public static Report Valid() => ReportCases.Valid(Now);
}

using Analysis.Domain.Series;
using Contracts.Common.V1;

namespace Analysis.UnitTests.Series;

public class PackedSeriesFeaturesTests
{
    [Fact]
    public void Unpacking_gives_back_every_value_and_the_sets_order()
    {
        var incident = SeriesTestData.Burglary("b1", plate: "粤B 12-345", taken: ["Phones", "cash", "laptop", "watch"],
            suspects: [SeriesTestData.Suspect(marks: "dragon tattoo on left forearm"), SeriesTestData.Suspect("female", 30, 0, 160, "heavy", "red coat, jeans")]);
        incident.Report.Location.AccuracyM = 35;
        incident.Report.OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(SeriesTestData.Night.AddTicks(1234567));
        var features = SeriesFeatures.From(incident);

        var unpacked = PackedSeriesFeatures.Unpack("b1", PackedSeriesFeatures.Pack(features));

        AssertSame(features, unpacked);
        Assert.Equal(2, unpacked.Suspects.Count);
        Assert.NotNull(unpacked.Vehicle);
    }

    [Fact]
    public void Features_that_say_nothing_stay_empty()
    {
        var features = new SeriesFeatures { IncidentId = "t1", Category = IncidentCategory.Theft };

        var unpacked = PackedSeriesFeatures.Unpack("t1", PackedSeriesFeatures.Pack(features));

        AssertSame(features, unpacked);
        Assert.Null(unpacked.Location);
        Assert.Null(unpacked.OccurredAt);
        Assert.Null(unpacked.Vehicle);
    }

    [Fact]
    public void Scores_are_the_same_from_packed_features()
    {
        var scorer = new SeriesScorer(new SeriesOptions());
        var a = SeriesFeatures.From(SeriesTestData.Burglary("a", suspects: [SeriesTestData.Suspect(marks: "scar on chin")]));
        var b = SeriesFeatures.From(SeriesTestData.Burglary("b", longitude: SeriesTestData.LongitudeEast(0.4), at: SeriesTestData.Night.AddDays(2),
            suspects: [SeriesTestData.Suspect(marks: "scar on chin", clothing: "black hoodie, cap")]));

        var direct = scorer.Score(a, b);
        var packed = scorer.Score(a, PackedSeriesFeatures.Unpack("b", PackedSeriesFeatures.Pack(b)));

        Assert.Equal(direct.Score, packed.Score);
        Assert.Equal(direct.Evidence, packed.Evidence);
    }

    [Fact]
    public void Bytes_of_another_format_or_cut_short_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => PackedSeriesFeatures.Unpack("x", [9, 0, 0]));
        Assert.Throws<InvalidDataException>(() => PackedSeriesFeatures.Unpack("x", []));
        var packed = PackedSeriesFeatures.Pack(SeriesFeatures.From(SeriesTestData.Burglary("b1")));
        Assert.Throws<InvalidDataException>(() => PackedSeriesFeatures.Unpack("b1", packed[..^3]));
    }

    private static void AssertSame(SeriesFeatures expected, SeriesFeatures actual)
    {
        Assert.Equal(expected.IncidentId, actual.IncidentId);
        Assert.Equal(expected.Category, actual.Category);
        Assert.Equal(expected.Location, actual.Location);
        Assert.Equal(expected.OccurredAt, actual.OccurredAt);
        Assert.Equal(expected.OccurredAt?.Offset, actual.OccurredAt?.Offset);
        Assert.Equal(expected.District, actual.District);
        Assert.Equal(expected.EntryMethod, actual.EntryMethod);
        Assert.Equal(expected.TargetType, actual.TargetType);
        Assert.Equal([.. expected.PropertyTaken], [.. actual.PropertyTaken]);
        Assert.Equal(expected.Vehicle, actual.Vehicle);
        Assert.Equal(expected.Suspects.Count, actual.Suspects.Count);
        foreach (var (e, a) in expected.Suspects.Zip(actual.Suspects))
        {
            Assert.Equal((e.Sex, e.AgeMin, e.AgeMax, e.HeightCm, e.Build, e.MarksText), (a.Sex, a.AgeMin, a.AgeMax, a.HeightCm, a.Build, a.MarksText));
            Assert.Equal([.. e.Clothing], [.. a.Clothing]);
            Assert.Equal([.. e.Marks], [.. a.Marks]);
        }
    }
}

using Analysis.Domain.Series;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;

namespace Analysis.UnitTests.Series;

public sealed class SeriesMovementTests
{
    private static readonly GeoPoint Start = new() { Latitude = 22.5431, Longitude = 114.0579 };

    private static SeriesMember Member(string id, double eastKm, double northKm, DateTimeOffset at, string district = "Futian")
        => new()
        {
            IncidentId = id,
            Location = Geo.Move(Start, eastKm * 1000, northKm * 1000),
            OccurredAt = Timestamp.FromDateTimeOffset(at),
            District = district,
            Category = IncidentCategory.Burglary,
        };

    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_crew_roaming_east_each_night_is_expected_further_east_the_next_night_around_its_usual_hour()
    {
        var members = new[]
        {
            Member("c", 6, 0, Day1.AddDays(2).AddMinutes(30), "Luohu"),
            Member("a", 0, 0, Day1),
            Member("b", 3, 0, Day1.AddDays(1).AddMinutes(-30)),
        };

        var movement = SeriesMovement.From(members, new SeriesOptions(), DateTimeOffset.MinValue);

        Assert.Equal(3, movement.Path.Count);
        Assert.Equal(6000, Geo.Offset(Start, movement.LastPosition!).EastM, 1);
        var (east, north) = Geo.Offset(Start, movement.NextArea!.Center);
        Assert.InRange(east, 8900, 9100);
        Assert.InRange(north, -100, 100);
        Assert.Equal(1500, movement.NextArea.RadiusM); // steady 3 km moves: half a move
        var from = movement.NextArea.From.ToDateTimeOffset();
        var to = movement.NextArea.To.ToDateTimeOffset();
        Assert.True(from <= Day1.AddDays(3) && Day1.AddDays(3) <= to, $"window {from:O}..{to:O}");
        Assert.True(from > Day1.AddDays(2).AddMinutes(30));
        Assert.Equal(["Futian", "Luohu"], movement.Districts);
        Assert.Contains("moving about 3.0 km east per outing", movement.NextArea.Explanation);
        Assert.Contains("across 2 districts (Futian, Luohu)", movement.NextArea.Explanation);
    }

    [Fact]
    public void A_crew_working_one_district_a_kilometre_a_night_is_expected_around_its_last_offence_as_far_as_it_wanders()
    {
        var members = new[] { Member("a", 0, 0, Day1), Member("b", 1, 0, Day1.AddDays(1)), Member("c", 2, 0, Day1.AddDays(2)) };

        var movement = SeriesMovement.From(members, new SeriesOptions(), DateTimeOffset.MinValue);

        Assert.Equal(0, Geo.DistanceM(movement.LastPosition!, movement.NextArea!.Center), 1);
        Assert.Equal(1000, movement.NextArea.RadiusM); // a kilometre between outings, not half a move
        Assert.Contains("no steady long moves between outings", movement.NextArea.Explanation);
    }

    [Fact]
    public void The_window_is_set_by_the_pace_between_outings_not_within_a_night()
    {
        // Two offences an hour apart on each of two nights: the crew comes back the next night, not an hour later.
        var members = new[]
        {
            Member("a", 0, 0, Day1), Member("a2", 0.3, 0, Day1.AddHours(1)),
            Member("b", 0.6, 0, Day1.AddDays(1)), Member("b2", 0.9, 0, Day1.AddDays(1).AddHours(1)),
        };

        var window = SeriesMovement.From(members, new SeriesOptions(), DateTimeOffset.MinValue).NextArea!;

        Assert.True(window.From.ToDateTimeOffset() > Day1.AddDays(1).AddHours(7), $"from {window.From}");
        Assert.True(window.To.ToDateTimeOffset() < Day1.AddDays(2).AddHours(8), $"to {window.To}");
    }

    [Fact]
    public void Offences_of_one_night_are_one_outing_when_following_a_roaming_crew()
    {
        // Two nights 4 km apart, each with a second offence 300 m north an hour later: followed 4 km east, not north.
        var members = new[]
        {
            Member("a", 0, 0, Day1), Member("a2", 0, 0.3, Day1.AddHours(1)),
            Member("b", 4, 0, Day1.AddDays(1)), Member("b2", 4, 0.3, Day1.AddDays(1).AddHours(1)),
            Member("c", 8, 0, Day1.AddDays(2)), Member("c2", 8, 0.3, Day1.AddDays(2).AddHours(1)),
        };

        var movement = SeriesMovement.From(members, new SeriesOptions(), DateTimeOffset.MinValue);

        var (east, north) = Geo.Offset(Start, movement.NextArea!.Center);
        Assert.InRange(east, 11_900, 12_100);
        Assert.InRange(north, 200, 400);
    }

    [Fact]
    public void Erratic_moves_keep_the_area_around_the_last_offence_and_widen_it()
    {
        var members = new[]
        {
            Member("a", 0, 0, Day1),
            Member("b", 3, 0, Day1.AddDays(1)),
            Member("c", 0, 0.2, Day1.AddDays(2)),
            Member("d", 3, 0.1, Day1.AddDays(3)),
        };

        var movement = SeriesMovement.From(members, new SeriesOptions(), DateTimeOffset.MinValue);

        Assert.True(movement.NextArea!.RadiusM > 1500, $"radius {movement.NextArea.RadiusM}");
        Assert.True(movement.NextArea.RadiusM <= 5000);
    }

    [Fact]
    public void A_single_located_member_gives_the_minimum_area_around_it()
    {
        var movement = SeriesMovement.From([Member("a", 0, 0, Day1), new SeriesMember { IncidentId = "b", OccurredAt = Timestamp.FromDateTimeOffset(Day1.AddDays(1)) }],
            new SeriesOptions(), DateTimeOffset.MinValue);

        Assert.Single(movement.Path);
        Assert.Equal(0, Geo.DistanceM(Start, movement.NextArea!.Center), 0.5);
        Assert.Equal(800, movement.NextArea.RadiusM);
        Assert.Contains("only 1 located", movement.NextArea.Explanation);
    }

    private static SeriesMember[] CrewPausingOneThenThreeNights() =>
    [
        Member("a", 0, 0, Day1),
        Member("b", 0.4, 0, Day1.AddMinutes(50)),   // same night, 400 m on
        Member("c", 1, 0, Day1.AddDays(1)),          // one night's pause
        Member("d", 2, 0, Day1.AddDays(4)),          // three nights' pause
    ];

    [Fact]
    public void The_plan_covers_the_rest_of_the_night_then_each_night_the_next_outing_is_likely()
    {
        var members = CrewPausingOneThenThreeNights();
        var last = Day1.AddDays(4);

        var plan = SeriesMovement.From(members, new SeriesOptions(), last).PatrolPlan;

        // The rest of the night around the last offence, then nights 1-4 (pauses of 1 and 3 nights seen, one more).
        Assert.Equal(5, plan.Count);
        Assert.Equal(0, Geo.DistanceM(members[^1].Location, plan[0].Center), 1);
        Assert.Equal(1200, plan[0].RadiusM); // at least the default: the only same-night step was 400 m
        Assert.Equal(last, plan[0].From.ToDateTimeOffset());
        Assert.Equal(last.AddHours(2), plan[0].To.ToDateTimeOffset());
        for (var night = 1; night <= 4; night++)
        {
            var window = plan[night];
            var usual = last.AddDays(night).AddMinutes(12); // the crew's mean hour: 02:00 plus the 50-minute offence's share
            Assert.True(window.From.ToDateTimeOffset() < usual && usual < window.To.ToDateTimeOffset(), $"night {night}: {window.From}-{window.To}");
            Assert.Contains($"night {night} after the last offence (pauses of 1, 3 night(s) seen)", window.Explanation);
        }
    }

    [Fact]
    public void Windows_over_when_the_series_is_read_are_left_out()
    {
        var members = CrewPausingOneThenThreeNights();

        var plan = SeriesMovement.From(members, new SeriesOptions(), Day1.AddDays(5).AddHours(12)).PatrolPlan;

        Assert.Equal(3, plan.Count);
        Assert.Contains("night 2 after the last offence", plan[0].Explanation);
    }

    [Fact]
    public void Without_a_pause_seen_the_plan_covers_the_first_nights_up_to_the_configured_number()
    {
        var members = new[] { Member("a", 0, 0, Day1), Member("b", 0.3, 0, Day1.AddMinutes(40)), Member("c", 0.6, 0, Day1.AddMinutes(90)) };

        var plan = SeriesMovement.From(members, new SeriesOptions { MaxPatrolNights = 2 }, Day1.AddMinutes(90)).PatrolPlan;

        Assert.Equal(3, plan.Count);
        Assert.Contains("night 1 after the last offence (no pause between outings seen yet)", plan[1].Explanation);
        Assert.Contains("night 2 after the last offence", plan[2].Explanation);
    }

    [Fact]
    public void No_located_member_gives_no_area()
    {
        var movement = SeriesMovement.From([new SeriesMember { IncidentId = "a", OccurredAt = Timestamp.FromDateTimeOffset(Day1) }], new SeriesOptions(), DateTimeOffset.MinValue);

        Assert.Empty(movement.Path);
        Assert.Null(movement.LastPosition);
        Assert.Null(movement.NextArea);
    }

    [Fact]
    public void The_usual_hour_is_a_circular_mean_across_midnight()
    {
        var window = SeriesMovement.NextWindow(
            [new DateTimeOffset(2026, 3, 2, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 4, 1, 0, 0, TimeSpan.Zero)],
            TimeZoneInfo.Utc)!.Value;

        Assert.True(window.UsualHour is < 0.01 or > 23.99, $"usual hour {window.UsualHour}");
    }

    [Fact]
    public void The_window_is_in_local_hours()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        // 02:00 local in Shanghai is 18:00 UTC the day before.
        var window = SeriesMovement.NextWindow(
            [new DateTimeOffset(2026, 3, 1, 18, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 2, 18, 0, 0, TimeSpan.Zero)], shanghai)!.Value;

        Assert.Equal(2, window.UsualHour, 3);
        var middle = window.From + (window.To - window.From) / 2;
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 18, 0, 0, TimeSpan.Zero), middle);
    }
}

using Analysis.Domain.Disputes;
using Analysis.Infrastructure;

namespace Analysis.UnitTests.Disputes;

/// <summary>The dispute store's script on Garnet: what a report sees, the first time and when delivered again.</summary>
public sealed class DisputeStoreTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    private readonly DisputeStore _store = new(garnet.Redis, new RedisKeys($"t{Guid.NewGuid():N}"[..12]));

    [Fact]
    public async Task A_report_that_raised_nothing_raises_nothing_when_delivered_again()
    {
        var first = new DisputeReport("first", Day0);
        Assert.Equal(["first"], (await _store.AddAndReadAsync("a-door", first, Month))!.Select(r => r.IncidentId));
        await _store.RecordDecisionAsync("a-door", first, escalated: false, Month);
        await _store.AddAndReadAsync("a-door", new DisputeReport("second", Day0.AddDays(10)), Month);
        var third = new DisputeReport("third", Day0.AddDays(20));
        Assert.Equal(["first", "second", "third"], (await _store.AddAndReadAsync("a-door", third, Month))!.Select(r => r.IncidentId));
        await _store.RecordDecisionAsync("a-door", third, escalated: true, Month);

        // Delivered again after the group formed: the first report was judged quiet and stays so; the third is judged again.
        Assert.Null(await _store.AddAndReadAsync("a-door", first, Month));
        Assert.Equal(3, (await _store.AddAndReadAsync("a-door", third, Month))!.Count);
    }

    [Fact]
    public async Task Assaults_come_back_marked_violent_with_their_time()
    {
        await _store.AddAndReadAsync("p-pair", new DisputeReport("argument", Day0), Month);
        var reports = await _store.AddAndReadAsync("p-pair", DisputeReport.Of("fight", Contracts.Common.V1.IncidentCategory.Assault, Day0.AddDays(3)), Month);

        Assert.Equal([new DisputeReport("argument", Day0), new DisputeReport("fight", Day0.AddDays(3), Violent: true)], reports);
    }
}

using Analysis.Domain.Disputes;
using Analysis.Infrastructure;

namespace Analysis.UnitTests.Disputes;

/// <summary>The dispute store's script on Garnet: what a report sees, the first time and when delivered again.</summary>
public sealed class DisputeStoreTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    private readonly DisputeStore _store = new(garnet.Redis, new RedisKeys($"t{Guid.NewGuid():N}"[..12]));

    private const int Threshold = 3;

    [Fact]
    public async Task A_report_that_raised_nothing_raises_nothing_when_delivered_again()
    {
        var first = new DisputeReport("first", Day0);
        var second = new DisputeReport("second", Day0.AddDays(10));
        var third = new DisputeReport("third", Day0.AddDays(20));
        var fourth = new DisputeReport("fourth", Day0.AddDays(25));
        // Too few to escalate: decided quiet by the script itself.
        Assert.Null(await _store.AddAndReadAsync("a-door", first, Month, Threshold));
        Assert.Null(await _store.AddAndReadAsync("a-door", second, Month, Threshold));
        Assert.Equal(["first", "second", "third"], (await _store.AddAndReadAsync("a-door", third, Month, Threshold))!.Select(r => r.IncidentId));
        await _store.RecordDecisionAsync("a-door", third, escalated: false, Month);
        Assert.Equal(4, (await _store.AddAndReadAsync("a-door", fourth, Month, Threshold))!.Count);
        await _store.RecordDecisionAsync("a-door", fourth, escalated: true, Month);

        // Delivered again after the group formed: the reports judged quiet stay so, by the script or by the caller; the
        // fourth is judged again.
        Assert.Null(await _store.AddAndReadAsync("a-door", first, Month, Threshold));
        Assert.Null(await _store.AddAndReadAsync("a-door", third, Month, Threshold));
        Assert.Equal(4, (await _store.AddAndReadAsync("a-door", fourth, Month, Threshold))!.Count);
    }

    [Fact]
    public async Task Assaults_come_back_marked_violent_with_their_time()
    {
        await _store.AddAndReadAsync("p-pair", new DisputeReport("argument", Day0), Month, threshold: 2);
        var reports = await _store.AddAndReadAsync("p-pair", DisputeReport.Of("fight", Contracts.Common.V1.IncidentCategory.Assault, Day0.AddDays(3)), Month, threshold: 2);

        Assert.Equal([new DisputeReport("argument", Day0), new DisputeReport("fight", Day0.AddDays(3), Violent: true)], reports);
    }
}

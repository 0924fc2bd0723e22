using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Infrastructure;

namespace Analysis.UnitTests.Fraud;

public sealed class FraudGraphTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FraudGraph _graph = new(garnet.Redis, new RedisKeys($"t{Guid.NewGuid():N}"[..12]));

    private Task<FraudLinkOutcome> Report(string id, CommonIdentifierRule rule, params string[] identifiers)
        => _graph.LinkAsync(id, 1000_00, "CNY", identifiers, rule, Now, Now.AddDays(-180));

    private static CommonIdentifierRule Rule(int degree = 100, params string[] publicIdentifiers)
        => new(new FraudOptions { CommonIdentifierDegree = degree, PublicIdentifiers = publicIdentifiers });

    private async Task<IReadOnlyList<string>> MembersOf(string incidentId)
        => await _graph.ChainOfIncidentAsync(incidentId) is { } chain && await _graph.ReadChainAsync(chain) is { } state
            ? [.. state.Incidents.Select(i => i.IncidentId)]
            : [];

    [Fact]
    public async Task A_hotline_named_by_victims_of_unrelated_scams_becomes_common_and_the_chains_it_welded_come_apart()
    {
        var rule = Rule();
        await Report("x1", rule, "bank:111", "phone:95588");
        await Report("x2", rule, "bank:111", "phone:170001");
        await Report("y1", rule, "bank:222", "phone:95588");
        await Report("y2", rule, "bank:222");
        var welded = await Report("o1", rule, "phone:171001", "phone:95588");
        Assert.Equal(5, welded.Union.Size); // three carriers in three groups: not yet told apart from a young mule account
        Assert.Empty(welded.NewlyCommon);

        var fourth = await Report("o2", rule, "phone:171002", "phone:95588");

        Assert.Equal(CommonReason.Bridge, Assert.Single(fourth.NewlyCommon).Value);
        Assert.Equal("", fourth.Union.Name); // its other identifier is its own
        // The welded chain of five came apart: x1-x2, y1-y2 and o1 alone.
        Assert.Equal([new FraudSplit(welded.Union.Name, "o1", 1), new FraudSplit(welded.Union.Name, "x1", 2), new FraudSplit(welded.Union.Name, "y1", 2)], fourth.Splits);
        Assert.Equal(["x1", "x2"], await MembersOf("x1"));
        Assert.Equal(["y1", "y2"], await MembersOf("y2"));
        Assert.Empty(await MembersOf("o1"));
        var chain = await _graph.ReadChainAsync((await _graph.ChainOfIncidentAsync("x1"))!);
        Assert.Equal(CommonReason.Bridge, chain!.CommonIdentifiers["phone:95588"]);
        Assert.Null(await _graph.ChainOfIdentifierAsync("phone:95588"));

        // A later victim naming the hotline and chain X's account joins chain X only.
        var later = await Report("x3", rule, "bank:111", "phone:95588");
        Assert.Equal(["x1", "x2", "x3"], await MembersOf("x3"));
        Assert.Empty(later.NewlyCommon);
    }

    [Fact]
    public async Task A_busy_mule_account_whose_reports_share_the_operations_phones_keeps_linking()
    {
        var rule = Rule();
        await Report("m1", rule, "bank:333", "phone:170011");
        await Report("m2", rule, "bank:333", "phone:170011");
        await Report("m3", rule, "bank:333", "phone:170022");
        await Report("m4", rule, "bank:333", "phone:170022", "simgw:goip-1");
        await Report("m5", rule, "bank:333"); // all this victim could name
        await Report("m6", rule, "bank:333", "simgw:goip-1");
        var last = await Report("m7", rule, "bank:333", "url:gold1-invest.top");

        Assert.Empty(last.NewlyCommon);
        Assert.Equal(7, last.Union.Size);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6", "m7"], await MembersOf("m1"));
    }

    [Fact]
    public async Task A_public_number_named_by_several_victims_of_each_of_many_operations_is_a_bridge_whatever_the_share()
    {
        var rule = Rule();
        // Two victims of each of six operations (12 reports, 6 groups: a share of 0.5, under 0.7), each operation with its own account.
        for (var op = 1; op <= 6; op++)
        {
            await Report($"p{op}a", rule, $"bank:70{op}", "phone:95566");
            await Report($"p{op}b", rule, $"bank:70{op}", "phone:95566");
        }

        var chain = await _graph.ReadChainAsync((await _graph.ChainOfIncidentAsync("p1a"))!);

        Assert.Equal(["p1a", "p1b"], chain!.Incidents.Select(i => i.IncidentId));
        Assert.Equal(CommonReason.Bridge, chain.CommonIdentifiers["phone:95566"]);
    }

    [Fact]
    public async Task A_young_operations_account_taken_for_a_bridge_links_again_once_later_victims_connect_its_reports()
    {
        var rule = Rule();
        await Report("a1", rule, "bank:888", "phone:170101");
        await Report("a2", rule, "bank:888", "phone:170102");
        await Report("a3", rule, "bank:888", "phone:170103");
        var fourth = await Report("a4", rule, "bank:888", "phone:170104");
        // Four victims, each also naming a number nobody else has named yet: a hotline's signature.
        Assert.Equal(CommonReason.Bridge, fourth.NewlyCommon["bank:888"]);
        Assert.Empty(await MembersOf("a1"));

        // A later victim was called from two of those numbers: three groups left, below the bridge threshold, so the
        // account is the operation's own after all and links again.
        var fifth = await Report("a5", rule, "phone:170101", "phone:170102");

        Assert.Empty(fifth.NewlyCommon);
        Assert.Equal(5, fifth.Union.Size);
        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], await MembersOf("a5"));
        Assert.Equal(await _graph.ChainOfIncidentAsync("a1"), await _graph.ChainOfIdentifierAsync("bank:888"));
        var chain = await _graph.ReadChainAsync((await _graph.ChainOfIncidentAsync("a1"))!);
        Assert.Empty(chain!.CommonIdentifiers);
    }

    public static TheoryData<int[]> ArrivalOrders => new()
    {
        new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
        new[] { 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
        new[] { 4, 9, 0, 11, 2, 7, 5, 1, 10, 3, 8, 6 },
        new[] { 8, 3, 6, 1, 11, 5, 0, 10, 7, 2, 9, 4 },
    };

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public async Task Chains_and_common_identifiers_do_not_depend_on_arrival_order(int[] order)
    {
        // Two public numbers named together by victims of three operations and by lone victims, so that each holds the
        // other's reports together; and a young operation's account that looks like a hotline until its fifth report.
        (string Id, string[] Keys)[] reports =
        [
            ("f01", ["bank:1001", "phone:95588", "url:weixin.qq.com"]),
            ("f02", ["bank:1001", "phone:171001"]),
            ("f03", ["bank:2002", "phone:95588", "url:weixin.qq.com"]),
            ("f04", ["bank:2002", "phone:172002"]),
            ("f05", ["simgw:goip-3", "phone:95588"]),
            ("f06", ["simgw:goip-3", "url:weixin.qq.com"]),
            ("f07", ["phone:173007", "phone:95588", "url:weixin.qq.com"]),
            ("f08", ["bank:888", "phone:170101"]),
            ("f09", ["bank:888", "phone:170102"]),
            ("f10", ["bank:888", "phone:170103"]),
            ("f11", ["bank:888", "phone:170104"]),
            ("f12", ["phone:170101", "phone:170102"]),
        ];
        var rule = Rule();
        var graph = new FraudGraph(garnet.Redis, new RedisKeys($"o{Guid.NewGuid():N}"[..12]));
        foreach (var index in order)
        {
            await graph.LinkAsync(reports[index].Id, 100_00, "CNY", reports[index].Keys, rule, Now, Now.AddDays(-180));
        }

        var chains = new SortedSet<string>(StringComparer.Ordinal);
        var common = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (id, _) in reports)
        {
            if (await graph.ChainOfIncidentAsync(id) is { } name && await graph.ReadChainAsync(name) is { } chain)
            {
                chains.Add(string.Join(',', chain.Incidents.Select(i => i.IncidentId)));
                common.UnionWith(chain.CommonIdentifiers.Keys);
            }
        }

        Assert.Equal(["f01,f02", "f03,f04", "f05,f06", "f08,f09,f10,f11,f12"], chains);
        Assert.Equal(["phone:95588", "url:weixin.qq.com"], common);
    }

    [Fact]
    public async Task An_identifier_over_the_degree_cap_is_common_whatever_its_structure()
    {
        var rule = Rule(degree: 3);
        for (var i = 1; i <= 3; i++)
        {
            await Report($"c{i}", rule, "bank:444", "phone:170033");
        }

        var fourth = await Report("c4", rule, "bank:444", "phone:170033");

        Assert.Equal(CommonReason.TooManyReports, fourth.NewlyCommon["bank:444"]);
        Assert.Equal(CommonReason.TooManyReports, fourth.NewlyCommon["phone:170033"]);
        Assert.Empty(await MembersOf("c1"));
    }

    [Fact]
    public async Task A_listed_public_site_never_links_and_is_reported_as_common()
    {
        var rule = Rule(publicIdentifiers: "url:douyin.com");
        var first = await Report("p1", rule, "bank:555", IdentifierKeys.Key(Contracts.Common.V1.IdentifierType.Url, "https://www.douyin.com/video/9")!);
        await Report("p2", rule, "bank:555");
        var other = await Report("p3", rule, "bank:666", "url:douyin.com/video/9");

        Assert.Equal(CommonReason.ListedPublic, Assert.Single(first.NewlyCommon).Value);
        Assert.Equal("", other.Union.Name);
        Assert.Equal(["p1", "p2"], await MembersOf("p1"));
        var chain = await _graph.ReadChainAsync((await _graph.ChainOfIncidentAsync("p1"))!);
        Assert.Equal(CommonReason.ListedPublic, chain!.CommonIdentifiers["url:douyin.com/video/9"]);
    }

    [Fact]
    public async Task The_neighbourhood_bound_never_cuts_a_chain_only_the_bridges_judged_around_it()
    {
        var rule = new CommonIdentifierRule(new FraudOptions { MaxNeighbourhoodReports = 1 });
        await Report("n1", rule, "bank:1212");
        await Report("n2", rule, "bank:1212", "phone:171212");
        await Report("n3", rule, "phone:171212", "simgw:goip-12");
        var last = await Report("n4", rule, "simgw:goip-12");

        Assert.Equal(4, last.Union.Size);
        Assert.Equal(["n1", "n2", "n3", "n4"], await MembersOf("n4"));
    }

    [Fact]
    public async Task An_identifier_listed_at_run_time_stops_linking_at_once_and_links_again_when_unlisted()
    {
        var rule = Rule();
        await Report("s1", rule, "bank:1111", "pay:alipay:customer-service");
        await Report("s2", rule, "bank:1111");
        await Report("t1", rule, "bank:2222", "pay:alipay:customer-service");
        var welded = await Report("t2", rule, "bank:2222");
        Assert.Equal(4, welded.Union.Size); // two carriers: nothing tells a service account from a mule account yet

        var listing = await _graph.SetListedAsync("pay:alipay:customer-service", listed: true, rule, Now);

        Assert.Equal(2, listing.Reports);
        Assert.Equal(["s1", "t1"], listing.Chains);
        Assert.Equal([new FraudSplit("s1", "s1", 2), new FraudSplit("s1", "t1", 2)], listing.Splits);
        Assert.Equal(["s1", "s2"], await MembersOf("s2"));
        Assert.Equal(["t1", "t2"], await MembersOf("t2"));
        var chain = await _graph.ReadChainAsync("s1");
        Assert.Equal(CommonReason.ListedPublic, chain!.CommonIdentifiers["pay:alipay:customer-service"]);
        // Later reports carrying it do not link through it either.
        var later = await Report("u1", rule, "bank:3333", "pay:alipay:customer-service");
        Assert.Equal("", later.Union.Name);

        var unlisting = await _graph.SetListedAsync("pay:alipay:customer-service", listed: false, rule, Now);

        Assert.Equal(3, unlisting.Reports);
        Assert.Equal(["s1"], unlisting.Chains); // three carriers, below the bridge threshold: it links again
        Assert.Equal(["s1", "s2", "t1", "t2", "u1"], await MembersOf("u1"));
    }

    [Fact]
    public async Task An_identifier_listed_in_configuration_stays_listed_when_unlisted_at_run_time()
    {
        var rule = Rule(publicIdentifiers: "phone:95588");
        await Report("v1", rule, "bank:4444", "phone:95588");
        await Report("w1", rule, "bank:5555", "phone:95588");

        await _graph.SetListedAsync("phone:95588", listed: false, rule, Now);

        Assert.Empty(await MembersOf("v1"));
        Assert.Null(await _graph.ChainOfIdentifierAsync("phone:95588"));
    }

    [Fact]
    public async Task A_redelivered_report_gets_the_same_answer_and_counts_once()
    {
        var rule = Rule();
        await Report("r1", rule, "bank:777");
        var first = await Report("r2", rule, "bank:777");
        var again = await Report("r2", rule, "bank:777");

        Assert.Equal((first.Union.Name, first.Union.Size), (again.Union.Name, again.Union.Size));
        Assert.Equal(2, (await _graph.ReadChainAsync(first.Union.Name))!.Incidents.Count);
    }
}

using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static Suite.IntegrationTests.DispatchReplicas;

namespace Suite.IntegrationTests;

/// <summary>Dispatch through its real service: two replicas, reports and alerts on their topics, terminals on streams.</summary>
[Collection(DispatchReplicasCollection.Name)]
public sealed class DispatchTests(DispatchReplicas dispatch)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>The unit's terminal on the given replica, with a token bound to that unit.</summary>
    private Task<FieldTerminal> Unit(DispatchService.DispatchServiceClient client, string id, UnitKind kind, GeoPoint at, params Capability[] capabilities)
        => FieldTerminal.ConnectAsync(dispatch.AsUnit(client, id), id, kind, at, capabilities);

    private static string Id(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public async Task A_life_threatening_report_gets_every_tier_at_once_with_capabilities_and_a_shortfall_explained()
    {
        var site = Area(1);
        using var cts = new CancellationTokenSource(Patience);
        using var feed = dispatch.A.WatchFeed(new WatchFeedRequest { Kinds = { FeedEventKind.Sla } }, cancellationToken: cts.Token);
        await using var me = await Unit(dispatch.A, Id("me"), UnitKind.MinimalEmergency, Near(site, 60));
        await using var meFar = await Unit(dispatch.B, Id("me-far"), UnitKind.MinimalEmergency, Near(site, 400));
        await using var car1 = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, 500));
        await using var car2 = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, -900));
        await using var foot = await Unit(dispatch.A, Id("foot"), UnitKind.FootPatrol, Near(site, 0, 300));
        await using var swatPlain = await Unit(dispatch.B, Id("swat-plain"), UnitKind.SpecialPolice, Near(site, 200));
        await using var swatArmed = await Unit(dispatch.A, Id("swat-armed"), UnitKind.SpecialPolice, Near(site, 1_200), Capability.Armed);

        await dispatch.IndexedAsync(site, me, meFar, car1, car2, foot, swatPlain, swatArmed);
        var incident = NewIncident(IncidentCategory.Robbery, Priority.P1, site, "knife attack in the plaza");
        await dispatch.ReportAsync(incident);

        // Each terminal is pushed its assignment by whichever replica holds its stream.
        var tier1 = await me.NextAssignmentAsync();
        var tier2 = new[] { await car1.NextAssignmentAsync(), await car2.NextAssignmentAsync() };
        var tier3 = await swatArmed.NextAssignmentAsync();
        Assert.Equal(1, tier1.Assignment.Tier);
        Assert.All(tier2, p => Assert.Equal(2, p.Assignment.Tier));
        Assert.Equal(3, tier3.Assignment.Tier);
        Assert.All(new[] { tier1, tier3 }.Concat(tier2), p => Assert.Equal(incident.IncidentId, p.Assignment.IncidentId));
        Assert.Equal(incident.ReceivedAt.ToDateTimeOffset().AddSeconds(60), tier1.Assignment.ArriveBy.ToDateTimeOffset());

        var record = await dispatch.IncidentAsync(incident.IncidentId, r => r.Timeline.Count(t => t.Kind == TimelineEntryKind.Shortfall) >= 1, "tier 3 shortfall");
        Assert.Equal("p1-violent", record.PlanId);
        Assert.Equal(4, record.Assignments.Count);
        Assert.DoesNotContain(record.Assignments, a => a.UnitId == swatPlain.UnitId || a.UnitId == foot.UnitId || a.UnitId == meFar.UnitId);
        var tier3Decision = record.Timeline.Single(t => t.Kind == TimelineEntryKind.Decision && t.Tier == 3);
        Assert.Contains($"{swatPlain.UnitId} (lacks Armed)", tier3Decision.Summary);
        var tier2Decision = record.Timeline.Single(t => t.Kind == TimelineEntryKind.Decision && t.Tier == 2);
        Assert.Contains($"{foot.UnitId} FootPatrol 300 m ~156 s", tier2Decision.Summary); // weighed, slower than both cars
        var shortfall = record.Timeline.Single(t => t.Kind == TimelineEntryKind.Shortfall);
        Assert.Equal(3, shortfall.Tier);
        Assert.Contains("only 1 of 2 SpecialPolice (Armed)", shortfall.Summary);
        Assert.Equal([60, 180, 300], record.Tiers.OrderBy(t => t.Tier).Select(t => t.TargetSeconds));
        Assert.Equal([1, 2, 1], record.Tiers.OrderBy(t => t.Tier).Select(t => t.UnitsAssigned));

        // Operators watching SLA events see the shortfall as an alert.
        await foreach (var e in feed.ResponseStream.ReadAllAsync(cts.Token))
        {
            if (e.Alert is { Kind: AlertKind.Shortfall } alert && alert.IncidentIds.Contains(incident.IncidentId))
            {
                Assert.Equal("3", alert.Attributes["tier"]);
                break;
            }
        }
    }

    [Fact]
    public async Task A_service_request_goes_to_community_police()
    {
        var site = Area(2);
        await using var car = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 50));
        await using var community = await Unit(dispatch.B, Id("community"), UnitKind.CommunityPolice, Near(site, 800));

        await dispatch.IndexedAsync(site, car, community);
        var incident = NewIncident(IncidentCategory.Other, Priority.P4, site, "elderly neighbour locked out");
        await dispatch.ReportAsync(incident);

        var push = await community.NextAssignmentAsync();
        Assert.Equal(incident.IncidentId, push.Assignment.IncidentId);
        Assert.Equal("p4-service", push.Assignment.PlanId);
        Assert.DoesNotContain(car.Drain(), m => m.Assignment is not null);
    }

    [Fact]
    public async Task An_unacknowledged_assignment_is_resent_on_reconnect_as_a_recognisable_repeat()
    {
        var site = Area(3);
        var unitId = Id("foot");
        string assignmentId;
        var incident = NewIncident(IncidentCategory.Theft, Priority.P3, site, "phone snatched");
        await using (var first = await Unit(dispatch.A, unitId, UnitKind.FootPatrol, Near(site, 100)))
        {
            await dispatch.IndexedAsync(site, first);
            await dispatch.ReportAsync(incident);
            var push = await first.NextAssignmentAsync();
            Assert.False(push.Redelivery);
            assignmentId = push.Assignment.AssignmentId;
        } // the network drops before the acknowledgement

        await using var second = await Unit(dispatch.B, unitId, UnitKind.FootPatrol, Near(site, 100));
        Assert.Equal(assignmentId, second.Welcome.Unit.CurrentAssignmentId);
        var again = await second.NextAssignmentAsync();
        Assert.Equal(assignmentId, again.Assignment.AssignmentId);
        Assert.True(again.Redelivery);
        await second.AcknowledgeAsync(assignmentId);
        await second.AcknowledgeAsync(assignmentId); // a terminal may resend its acknowledgement too

        var record = await dispatch.IncidentAsync(incident.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.Acknowledged), "acknowledgement");
        await Task.Delay(300); // the repeated acknowledgement too
        Assert.Single(record.Timeline, t => t.Kind == TimelineEntryKind.Acknowledged);

        // Acknowledged: a later connection is not pushed it again.
        await second.DisposeAsync();
        await using var third = await Unit(dispatch.A, unitId, UnitKind.FootPatrol, Near(site, 100));
        await Task.Delay(500);
        Assert.DoesNotContain(third.Drain(), m => m.Assignment is not null);
    }

    [Fact]
    public async Task No_acknowledgement_in_time_withdraws_the_unit_and_assigns_the_next_best()
    {
        var site = Area(4);
        await using var silent = await Unit(dispatch.A, Id("silent"), UnitKind.CommunityPolice, Near(site, 100));
        await using var next = await Unit(dispatch.B, Id("next"), UnitKind.CommunityPolice, Near(site, 700));
        await dispatch.IndexedAsync(site, silent, next);
        var incident = NewIncident(IncidentCategory.Other, Priority.P4, site);
        await dispatch.ReportAsync(incident);

        var first = (await silent.NextAssignmentAsync()).Assignment;
        var withdrawal = await silent.NextWithdrawalAsync(TimeSpan.FromSeconds(AckTimeoutSeconds + 10));
        Assert.Equal(first.AssignmentId, withdrawal.AssignmentId);
        Assert.Contains($"no acknowledgement within {AckTimeoutSeconds} s", withdrawal.Reason);

        var replacement = (await next.NextAssignmentAsync()).Assignment;
        Assert.Equal(first.AssignmentId, replacement.ReplacesAssignmentId);
        Assert.Equal(first.SlotId, replacement.SlotId);
        Assert.NotEqual(first.AssignmentId, replacement.AssignmentId);
        await next.AcknowledgeAsync(replacement.AssignmentId);

        // A late acknowledgement is answered with the withdrawal again; the stream stays usable.
        await silent.AcknowledgeAsync(first.AssignmentId);
        Assert.Equal(first.AssignmentId, (await silent.NextWithdrawalAsync()).AssignmentId);
        await silent.MoveAsync(Near(site, 120));

        var record = await dispatch.IncidentAsync(incident.IncidentId,
            r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.Acknowledged && t.AssignmentId == replacement.AssignmentId), "replacement acknowledged");
        Assert.Equal(AssignmentStatus.Withdrawn, record.Assignments.Single(a => a.AssignmentId == first.AssignmentId).Status);
        Assert.Equal(
            [TimelineEntryKind.Assigned, TimelineEntryKind.Withdrawn, TimelineEntryKind.Decision, TimelineEntryKind.Assigned, TimelineEntryKind.Acknowledged],
            record.Timeline.SkipWhile(t => t.Kind != TimelineEntryKind.Assigned).Select(t => t.Kind));
        var units = await dispatch.A.ListUnitsAsync(new ListUnitsRequest());
        Assert.Equal(UnitStatus.Available, units.Units.Single(u => u.UnitId == silent.UnitId).Status);
        Assert.Null(silent.Ended);
    }

    [Fact]
    public async Task Progress_over_the_stream_meets_the_tiers_records_response_times_and_closes_the_incident()
    {
        var site = Area(5);
        var from = Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-1));
        await using var car1 = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 300));
        await using var car2 = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, 900));
        await dispatch.IndexedAsync(site, car1, car2);
        var incident = NewIncident(IncidentCategory.Burglary, Priority.P2, site, "shop door pulled open");
        await dispatch.ReportAsync(incident);

        foreach (var terminal in new[] { car1, car2 })
        {
            var assignment = (await terminal.NextAssignmentAsync()).Assignment;
            await terminal.AcknowledgeAsync(assignment.AssignmentId);
            await terminal.ProgressAsync(assignment.AssignmentId, AssignmentStatus.EnRoute);
            await terminal.ProgressAsync(assignment.AssignmentId, AssignmentStatus.OnScene, "door forced, nobody inside");
        }
        var onScene = await dispatch.IncidentAsync(incident.IncidentId, r => r.Timeline.Count(t => t.Kind == TimelineEntryKind.SlaMet) == 2, "both tiers met");
        Assert.All(onScene.Tiers, t => Assert.Equal(TierOutcome.Met, t.Outcome));
        Assert.Equal(2, onScene.Timeline.Count(t => t.Kind == TimelineEntryKind.SlaMet));
        var times = onScene.ResponseTimes;
        Assert.NotNull(times.Total);
        Assert.Equal(times.Total.ToTimeSpan(), times.CallProcessing.ToTimeSpan() + times.Turnout.ToTimeSpan() + times.Travel.ToTimeSpan());

        foreach (var (terminal, assignment) in new[] { car1, car2 }.Zip(onScene.Assignments.OrderBy(a => a.UnitId == car1.UnitId ? 0 : 1)))
        {
            await terminal.ProgressAsync(assignment.AssignmentId, AssignmentStatus.Resolved);
        }
        var closed = await dispatch.IncidentAsync(incident.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.Closed), "closure");
        Assert.Equal(IncidentState.Closed, closed.State);
        Assert.Equal(TimelineEntryKind.Closed, closed.Timeline[^1].Kind);
        var units = await dispatch.B.ListUnitsAsync(new ListUnitsRequest());
        Assert.All(units.Units.Where(u => u.UnitId == car1.UnitId || u.UnitId == car2.UnitId), u => Assert.Equal(UnitStatus.Available, u.Status));

        var stats = await dispatch.B.GetResponseStatsAsync(new GetResponseStatsRequest { From = from, Category = IncidentCategory.Burglary });
        Assert.Equal(1, stats.Incidents);
        Assert.Equal(1, stats.Reached);
        Assert.Equal(times.Total.ToTimeSpan().TotalMilliseconds, stats.Total.P50.ToTimeSpan().TotalMilliseconds, 1.0); // statistics keep milliseconds
        Assert.All(stats.Tiers, t => Assert.Equal((1, 0), (t.Met, t.Breached)));
    }

    [Fact]
    public async Task A_tier_without_a_unit_on_scene_is_reported_at_risk_then_breached()
    {
        var site = Area(6);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => dispatch.A.UpsertResponsePlanAsync(new UpsertResponsePlanRequest
        {
            Plan = new ResponsePlan { PlanId = "hazard-fast", Tiers = { new ResponseTier { Tier = 2, TargetSeconds = 2 } } },
        }).ResponseAsync);
        Assert.True(StatusCode.InvalidArgument == invalid.StatusCode, invalid.ToString());
        Assert.Contains("plan.tiers[0].tier", invalid.Status.Detail);

        await dispatch.A.UpsertResponsePlanAsync(new UpsertResponsePlanRequest
        {
            Plan = new ResponsePlan
            {
                PlanId = "hazard-fast",
                Name = "test: a hazard needs a volunteer within 2 s",
                Categories = { IncidentCategory.Hazard },
                Priorities = { Priority.P3 },
                Tiers = { new ResponseTier { Tier = 1, TargetSeconds = 2, Units = { new UnitDemand { Count = 1, Kinds = { UnitKind.Volunteer } } } } },
            },
        });
        Assert.Contains((await dispatch.B.ListResponsePlansAsync(new ListResponsePlansRequest())).Plans, p => p.PlanId == "hazard-fast" && !p.BuiltIn);

        using var cts = new CancellationTokenSource(Patience);
        using var feed = dispatch.A.WatchFeed(new WatchFeedRequest { Kinds = { FeedEventKind.Sla } }, cancellationToken: cts.Token);
        await using var volunteer = await Unit(dispatch.B, Id("volunteer"), UnitKind.Volunteer, Near(site, 400));
        await dispatch.IndexedAsync(site, volunteer);
        var incident = NewIncident(IncidentCategory.Hazard, Priority.P3, site, "loose manhole cover");
        await dispatch.ReportAsync(incident);
        var push = await volunteer.NextAssignmentAsync();
        Assert.Equal("hazard-fast", push.Assignment.PlanId);
        await volunteer.AcknowledgeAsync(push.Assignment.AssignmentId); // acknowledged, but never arrives

        var kinds = new List<AlertKind>();
        await foreach (var e in feed.ResponseStream.ReadAllAsync(cts.Token))
        {
            if (e.Alert?.IncidentIds.Contains(incident.IncidentId) == true)
            {
                kinds.Add(e.Alert.Kind);
                if (e.Alert.Kind == AlertKind.SlaBreached)
                {
                    break;
                }
            }
        }
        var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incident.IncidentId });
        Assert.True(kinds.Where(k => k != AlertKind.Shortfall).SequenceEqual([AlertKind.SlaAtRisk, AlertKind.SlaBreached]), string.Join(",", kinds) + "\n" + string.Join("\n", record.Timeline));
        Assert.Equal(TierOutcome.Breached, record.Tiers.Single().Outcome);
        Assert.Equal([TimelineEntryKind.SlaAtRisk, TimelineEntryKind.SlaBreached],
            record.Timeline.Where(t => t.Kind is TimelineEntryKind.SlaAtRisk or TimelineEntryKind.SlaBreached).Select(t => t.Kind));
    }

    [Fact]
    public async Task A_second_report_of_the_same_event_joins_the_first_and_sends_no_units()
    {
        var site = Area(7);
        await using var community = await Unit(dispatch.A, Id("community"), UnitKind.CommunityPolice, Near(site, 200), Capability.Mediation);
        await using var volunteer = await Unit(dispatch.B, Id("volunteer"), UnitKind.Volunteer, Near(site, 300), Capability.Mediation);
        await dispatch.IndexedAsync(site, community, volunteer);
        var first = NewIncident(IncidentCategory.Dispute, Priority.P3, site, "neighbours shouting over parking");
        await dispatch.ReportAsync(first);
        var push = await community.NextAssignmentAsync();
        Assert.Equal(first.IncidentId, push.Assignment.IncidentId);

        var second = NewIncident(IncidentCategory.Dispute, Priority.P3, Near(site, 40, 30), "loud argument, two men");
        await dispatch.ReportAsync(second);

        var merged = await dispatch.IncidentAsync(second.IncidentId, r => r.State == IncidentState.Merged, "merge");
        Assert.Equal(first.IncidentId, merged.MergedInto);
        Assert.Empty(merged.Assignments);
        var joined = await dispatch.IncidentAsync(first.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.Merged), "merge on the first timeline");
        Assert.Contains(second.IncidentId, joined.Timeline.Single(t => t.Kind == TimelineEntryKind.Merged).Summary);
        Assert.Single(joined.Assignments);
        await Task.Delay(300);
        Assert.DoesNotContain(volunteer.Drain(), m => m.Assignment is not null);
    }

    [Fact]
    public async Task A_duplicate_found_by_Analysis_after_dispatch_is_merged_and_its_units_withdrawn_once()
    {
        var site = Area(8);
        await using var foot = await Unit(dispatch.B, Id("foot"), UnitKind.FootPatrol, Near(site, -150));
        await dispatch.IndexedAsync(site, foot);
        var earlier = NewIncident(IncidentCategory.Theft, Priority.P3, site, "bike stolen from rack");
        await dispatch.ReportAsync(earlier);
        var earlierPush = await foot.NextAssignmentAsync();
        await foot.AcknowledgeAsync(earlierPush.Assignment.AssignmentId);
        await using var car = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 200));
        await dispatch.IndexedAsync(site, car);
        var later = NewIncident(IncidentCategory.PublicOrder, Priority.P3, Near(site, 30), "man running with a bike"); // another category: Dispatch does not merge it itself
        await dispatch.ReportAsync(later);
        var laterPush = await car.NextAssignmentAsync();
        Assert.Equal(later.IncidentId, laterPush.Assignment.IncidentId);

        var alert = new Alert
        {
            AlertId = Guid.NewGuid().ToString(),
            Kind = AlertKind.Duplicate,
            Priority = Priority.P3,
            IncidentIds = { later.IncidentId, earlier.IncidentId },
            Summary = "same bike, same place, 2 minutes apart",
            RaisedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        await dispatch.AlertAsync(alert);
        await dispatch.AlertAsync(alert); // re-delivered

        Assert.Equal(laterPush.Assignment.AssignmentId, (await car.NextWithdrawalAsync()).AssignmentId);
        var merged = await dispatch.IncidentAsync(later.IncidentId, r => r.State == IncidentState.Merged, "merge");
        Assert.Equal(earlier.IncidentId, merged.MergedInto);
        await Task.Delay(500); // let the second copy be handled too
        var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = earlier.IncidentId });
        Assert.True(record.Timeline.Count(t => t.Kind == TimelineEntryKind.Merged) == 1, string.Join("\n", record.Timeline));
        Assert.Equal(earlierPush.Assignment.AssignmentId, record.Assignments.Single().AssignmentId);
        var laterRecord = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = later.IncidentId });
        Assert.Single(laterRecord.Timeline, t => t.Kind == TimelineEntryKind.Withdrawn);
        Assert.Equal(laterRecord.Timeline.Select(t => t.EntryId).Distinct().Count(), laterRecord.Timeline.Count);
    }

    [Fact]
    public async Task A_support_request_from_the_field_brings_more_units_and_is_seen_on_the_feed()
    {
        var site = Area(9);
        using var cts = new CancellationTokenSource(Patience);
        using var feed = dispatch.B.WatchFeed(new WatchFeedRequest { Kinds = { FeedEventKind.Incident } }, cancellationToken: cts.Token);
        await using var first = await Unit(dispatch.A, Id("foot"), UnitKind.FootPatrol, Near(site, 100));
        await using var car1 = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 1_500));
        await using var car2 = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, -1_800));
        await dispatch.IndexedAsync(site, first, car1, car2);
        var incident = NewIncident(IncidentCategory.Theft, Priority.P3, site, "shoplifter cornered");
        await dispatch.ReportAsync(incident);
        var assignment = (await first.NextAssignmentAsync()).Assignment;
        Assert.Equal(first.UnitId, assignment.UnitId);
        await first.AcknowledgeAsync(assignment.AssignmentId);
        await first.ProgressAsync(assignment.AssignmentId, AssignmentStatus.OnScene);

        var requestId = Guid.NewGuid().ToString();
        await first.RequestSupportAsync(new RequestSupportRequest { RequestId = requestId, IncidentId = incident.IncidentId, Reason = "crowd gathering, suspect resisting" });

        var supports = new[] { (await car1.NextAssignmentAsync()).Assignment, (await car2.NextAssignmentAsync()).Assignment };
        Assert.All(supports, a => Assert.Equal(11, a.Tier));
        await foreach (var e in feed.ResponseStream.ReadAllAsync(cts.Token))
        {
            if (e.IncidentUpdate is { Kind: IncidentUpdateKind.SupportRequested } update && update.IncidentId == incident.IncidentId)
            {
                Assert.Equal(first.UnitId, update.UnitId);
                Assert.Contains("crowd gathering", update.Summary);
                break;
            }
        }

        // The same request again (a resend) is answered with the same assignments, and nobody else is sent.
        var repeat = await dispatch.B.RequestSupportAsync(new RequestSupportRequest { RequestId = requestId, IncidentId = incident.IncidentId, RequestedByUnitId = first.UnitId });
        Assert.Equal(supports.Select(a => a.AssignmentId).Order(), repeat.Assignments.Select(a => a.AssignmentId).Order());
        var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incident.IncidentId });
        Assert.Equal(3, record.Assignments.Count);
        Assert.Single(record.Timeline, t => t.Kind == TimelineEntryKind.SupportRequested);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => dispatch.A.RequestSupportAsync(new RequestSupportRequest { RequestId = "x", IncidentId = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_watchlist_hit_is_dispatched_with_its_own_plan_once_however_often_it_is_delivered()
    {
        var site = Area(10);
        await using var foot = await Unit(dispatch.A, Id("foot"), UnitKind.FootPatrol, Near(site, 300));
        await dispatch.IndexedAsync(site, foot);
        var incident = NewIncident(IncidentCategory.Other, Priority.P3, site, "school gate camera: face match");
        await dispatch.ReportAsync(incident);
        var routine = (await foot.NextAssignmentAsync()).Assignment;
        Assert.Equal(1, routine.Tier);

        await using var car1 = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 1_000));
        await using var car2 = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, 1_400));
        await using var swat = await Unit(dispatch.B, Id("swat"), UnitKind.SpecialPolice, Near(site, 3_000), Capability.Armed);
        await dispatch.IndexedAsync(site, car1, car2, swat);
        var alert = new Alert
        {
            AlertId = Guid.NewGuid().ToString(),
            Kind = AlertKind.WatchlistHit,
            Priority = Priority.P1,
            IncidentIds = { incident.IncidentId },
            Summary = "wanted fugitive seen at the primary school gate",
            Evidence = { "face match 0.97 against warrant W-118" },
            Location = Near(site, 20),
            RaisedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        };
        await dispatch.AlertAsync(alert);
        await dispatch.AlertAsync(alert);

        var pushes = new[] { await car1.NextAssignmentAsync(), await car2.NextAssignmentAsync(), await swat.NextAssignmentAsync() };
        Assert.All(pushes, p => Assert.Equal("alert-watchlist-hit", p.Assignment.PlanId));
        Assert.Equal([11, 11, 12], pushes.Select(p => p.Assignment.Tier));
        await Task.Delay(500);
        var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incident.IncidentId });
        Assert.Equal(4, record.Assignments.Count);
        Assert.Single(record.Timeline, t => t.Kind == TimelineEntryKind.Alert);
        Assert.Equal(record.Timeline.Select(t => t.EntryId).Distinct().Count(), record.Timeline.Count);
    }

    [Fact]
    public async Task A_report_delivered_twice_leaves_one_timeline_and_one_set_of_assignments()
    {
        var site = Area(11);
        await using var me = await Unit(dispatch.A, Id("me"), UnitKind.MinimalEmergency, Near(site, 80));
        await using var car = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, 600));
        await dispatch.IndexedAsync(site, me, car);
        var incident = NewIncident(IncidentCategory.Medical, Priority.P1, site, "man collapsed at the market");
        await dispatch.ReportAsync(incident);
        await dispatch.ReportAsync(incident);
        await dispatch.ReportAsync(incident);

        await me.NextAssignmentAsync();
        await car.NextAssignmentAsync();
        await Task.Delay(1_000);
        var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incident.IncidentId });
        Assert.Equal(2, record.Assignments.Count);
        Assert.Single(record.Timeline, t => t.Kind == TimelineEntryKind.Reported);
        Assert.Equal(record.Timeline.Select(t => t.EntryId).Distinct().Count(), record.Timeline.Count);
        Assert.DoesNotContain(me.Drain(), m => m.Assignment is { Redelivery: false });
    }

    [Fact]
    public async Task An_operator_closes_an_incident_and_every_unit_still_on_it_is_withdrawn()
    {
        var site = Area(12);
        await using var car = await Unit(dispatch.A, Id("car"), UnitKind.PatrolCar, Near(site, 400));
        await dispatch.IndexedAsync(site, car);
        var incident = NewIncident(IncidentCategory.Traffic, Priority.P2, site, "minor collision, drivers arguing");
        await dispatch.ReportAsync(incident);
        var push = await car.NextAssignmentAsync();
        await car.AcknowledgeAsync(push.Assignment.AssignmentId);

        var record = await dispatch.B.CloseIncidentAsync(new CloseIncidentRequest { IncidentId = incident.IncidentId, Reason = "drivers settled it themselves" });

        Assert.Equal(IncidentState.Closed, record.State);
        Assert.Equal(push.Assignment.AssignmentId, (await car.NextWithdrawalAsync()).AssignmentId);
        Assert.Equal(AssignmentStatus.Withdrawn, record.Assignments.Single().Status);
        Assert.Equal(TimelineEntryKind.Closed, record.Timeline[^1].Kind);
        var missingReason = await Assert.ThrowsAsync<RpcException>(() => dispatch.B.CloseIncidentAsync(new CloseIncidentRequest { IncidentId = incident.IncidentId }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, missingReason.StatusCode);
    }

    [Fact]
    public async Task Recommendations_follow_the_plan_without_claiming_anyone()
    {
        var site = Area(13);
        await using var me = await Unit(dispatch.A, Id("me"), UnitKind.MinimalEmergency, Near(site, 50));
        await using var car = await Unit(dispatch.B, Id("car"), UnitKind.PatrolCar, Near(site, 700));
        await dispatch.IndexedAsync(site, me, car);

        var recommendation = await dispatch.A.RecommendUnitsAsync(new RecommendUnitsRequest { Location = site, Category = IncidentCategory.Medical, Priority = Priority.P1 });

        Assert.Equal("p1-life-threatening", recommendation.PlanId);
        Assert.Equal(me.UnitId, recommendation.Tiers[0].Units.Single().UnitId);
        Assert.Equal(car.UnitId, recommendation.Tiers[1].Units.Single().UnitId);
        Assert.Contains("only 1 of 2", recommendation.Tiers[1].Shortfall);
        Assert.True(recommendation.ComputeMicros >= 0);
        var units = await dispatch.A.ListUnitsAsync(new ListUnitsRequest());
        Assert.All(units.Units.Where(u => u.UnitId == me.UnitId || u.UnitId == car.UnitId), u => Assert.Equal(UnitStatus.Available, u.Status));
    }
}

/// <summary>The operator feed through the real service: filters, resume on another replica, slow consumers.</summary>
[Collection(DispatchReplicasCollection.Name)]
public sealed class DispatchFeedTests(DispatchReplicas dispatch)
{
    [Fact]
    public async Task The_feed_filters_by_area_priority_and_kind_and_resumes_on_another_replica_without_a_gap()
    {
        var site = Area(14);
        var box = new GeoBox { MinLatitude = site.Latitude - 0.05, MaxLatitude = site.Latitude + 0.05, MinLongitude = site.Longitude - 0.05, MaxLongitude = site.Longitude + 0.05 };
        WatchFeedRequest Request(string token = "") => new() { ResumeToken = token, Area = box, MinPriority = Priority.P2, Kinds = { FeedEventKind.Incident } };

        string token;
        string firstId;
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        using (var feed = dispatch.A.WatchFeed(Request(), cancellationToken: cts.Token))
        {
            await Task.Delay(200); // subscribed
            var routine = NewIncident(IncidentCategory.Theft, Priority.P3, Near(site, 100));
            var elsewhere = NewIncident(IncidentCategory.Robbery, Priority.P1, Area(15));
            var urgent = NewIncident(IncidentCategory.Robbery, Priority.P1, Near(site, -200));
            await dispatch.ReportAsync(routine);
            await dispatch.ReportAsync(elsewhere);
            await dispatch.ReportAsync(urgent);
            Assert.True(await feed.ResponseStream.MoveNext(cts.Token));
            var first = feed.ResponseStream.Current;
            firstId = first.IncidentReported.IncidentId;
            Assert.Equal(urgent.IncidentId, firstId);
            token = first.ResumeToken;
        } // disconnected

        var missed = new[] { NewIncident(IncidentCategory.Burglary, Priority.P2, Near(site, 300)), NewIncident(IncidentCategory.Fire, Priority.P1, Near(site, 400)) };
        await dispatch.ReportAsync(missed[0]);
        await dispatch.ReportAsync(NewIncident(IncidentCategory.Dispute, Priority.P3, Near(site, 350)));
        await dispatch.ReportAsync(missed[1]);

        using var again = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var resumed = dispatch.B.WatchFeed(Request(token), cancellationToken: again.Token);
        var seen = new List<string>();
        while (seen.Count < 2 && await resumed.ResponseStream.MoveNext(again.Token))
        {
            var e = resumed.ResponseStream.Current;
            Assert.Equal(FeedEvent.EventOneofCase.IncidentReported, e.EventCase);
            seen.Add(e.IncidentReported.IncidentId);
        }
        Assert.Equal(missed.Select(m => m.IncidentId).Order(), seen.Order()); // both, nothing filtered out, nothing before the token

        var bad = dispatch.A.WatchFeed(new WatchFeedRequest { Area = new GeoBox { MinLatitude = 10, MaxLatitude = 5 } });
        var error = await Assert.ThrowsAsync<RpcException>(() => bad.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task A_feed_consumer_too_slow_to_keep_up_is_cut_off_while_others_keep_going()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var slow = dispatch.B.WatchFeed(new WatchFeedRequest { Kinds = { FeedEventKind.Unit } }, cancellationToken: cts.Token);
        using var fast = dispatch.A.WatchFeed(new WatchFeedRequest { Kinds = { FeedEventKind.Unit } }, cancellationToken: cts.Token);
        var fastSeen = 0;
        var probeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Flood = 4_000;
        var reading = Task.Run(async () =>
        {
            await foreach (var e in fast.ResponseStream.ReadAllAsync(cts.Token))
            {
                if (!e.Unit.UnitId.StartsWith("flood-", StringComparison.Ordinal))
                {
                    probeSeen.TrySetResult();
                }
                else if (Interlocked.Increment(ref fastSeen) == Flood)
                {
                    return;
                }
            }
        });

        Contracts.Events.V1.UnitStatusChanged Event(string unitId, string callSign) => new()
        {
            Metadata = new Contracts.Events.V1.EventMetadata { EventId = Guid.NewGuid().ToString(), PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow) },
            Unit = new UnitState { UnitId = unitId, CallSign = callSign, Kind = UnitKind.Volunteer, Status = UnitStatus.OffDuty, Position = Area(16), Version = 1 },
        };
        Task Produce(Contracts.Events.V1.UnitStatusChanged e) => dispatch.Kafka.ProduceAsync(Messaging.Topics.Units, e.Unit.UnitId, e.ToByteArray(),
            Messaging.KafkaHeaders.ForProtobuf(Contracts.Events.V1.UnitStatusChanged.Descriptor.FullName));

        // Both feeds subscribe after their call was authorised: the fast one proves it is live by seeing a probe.
        while (!probeSeen.Task.IsCompleted)
        {
            await Produce(Event($"probe-{Guid.NewGuid():N}", "probe"));
            await Task.WhenAny(probeSeen.Task, Task.Delay(500, cts.Token));
        }

        // Unit events as any replica publishes them, each with a long call sign so that transport buffers fill quickly.
        // Produced in chunks the fast consumer has read before the next one goes out, so it stays well inside its
        // queue however busy the machine is, while the slow one (queue 16) never reads at all.
        var padding = new string('x', 400);
        const int Chunk = 250;
        for (var start = 0; start < Flood; start += Chunk)
        {
            await Task.WhenAll(Enumerable.Range(start, Chunk).Select(i => Produce(Event($"flood-{i}", padding))));
            while (Volatile.Read(ref fastSeen) < start + Chunk && !reading.IsCompleted)
            {
                await Task.Delay(10, cts.Token);
            }
        }
        await reading; // the consumer that keeps up gets every event

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in slow.ResponseStream.ReadAllAsync(cts.Token))
            {
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("fell behind", error.Status.Detail);
        Assert.Equal(Flood, fastSeen);
    }
}

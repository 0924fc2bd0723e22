using System.Collections.Concurrent;
using Analysis.Domain.Hotspots;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Infrastructure;

/// <summary>
/// Per hotspot cell and category, the occurred times of the incidents of the baseline period, in this process's memory,
/// filled like the spatial index (every replica from every partition: by the analyser or <see cref="Messaging.IncidentIndexFeed"/>), so
/// counting an incident's windows costs no round trip. Adding is idempotent per incident id (a redelivery or a second
/// reading counts once). A cell keeps the baseline period before its latest incident and is dropped when nothing was
/// added to it for that long. Thread-safe: one lock per cell.
/// </summary>
public sealed class HotspotCounter(HotspotRule rule, HotspotGrid grid, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string CellId, IncidentCategory Category), Cell> _cells = new();

    public HotspotGrid Grid => grid;

    public void Add(GeoPoint location, IncidentCategory category, string incidentId, DateTimeOffset occurredAt)
    {
        var cell = _cells.GetOrAdd((grid.CellOf(location), category), static _ => new Cell());
        cell.Add(incidentId, occurredAt.UtcTicks, rule.BaselinePeriod.Ticks, clock.GetUtcNow().UtcTicks);
    }

    /// <summary>
    /// The counts of each of the rule's windows at <paramref name="occurredAt"/>, with the window's end. A window ends at
    /// the latest incident within one window length after this one: partitions are processed in parallel, so the incident
    /// that completes a cluster in event time may be counted before the others.
    /// </summary>
    public (HotspotCounts Counts, DateTimeOffset WindowEnd)[] CountAt(string cellId, IncidentCategory category, DateTimeOffset occurredAt)
    {
        var counts = new (HotspotCounts Counts, DateTimeOffset WindowEnd)[rule.Windows.Count];
        _cells.TryGetValue((cellId, category), out var cell);
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = cell is null ? (new HotspotCounts(0, 0), occurredAt) : cell.CountAt(occurredAt.UtcTicks, rule.Windows[i].Length.Ticks, rule.BaselinePeriod.Ticks);
        }
        return counts;
    }

    /// <summary>The counts at <paramref name="now"/> of one window in every cell of <paramref name="category"/> whose centre is in <paramref name="area"/>.</summary>
    public IReadOnlyList<(string CellId, GeoPoint Center, HotspotCounts Counts)> CountIn(GeoBox area, IncidentCategory category, DateTimeOffset now, HotspotWindowSpec window)
    {
        var result = new List<(string, GeoPoint, HotspotCounts)>();
        foreach (var ((cellId, cellCategory), cell) in _cells)
        {
            if (cellCategory == category && grid.Center(cellId) is var center && Domain.GeoBoxes.Contains(area, center))
            {
                result.Add((cellId, center, cell.CountEndingAt(now.UtcTicks, window.Length.Ticks, rule.BaselinePeriod.Ticks)));
            }
        }
        return result;
    }

    /// <summary>Drops the cells nothing was added to for a baseline period.</summary>
    public void RemoveIdle(DateTimeOffset now)
    {
        foreach (var (key, cell) in _cells)
        {
            if (cell.IdleSince(now.UtcTicks - rule.BaselinePeriod.Ticks))
            {
                _cells.TryRemove(new KeyValuePair<(string, IncidentCategory), Cell>(key, cell));
            }
        }
    }

    private readonly record struct Member(long Ticks, string IncidentId);

    /// <summary>One cell's incidents in occurred order, and their ids for idempotent adds.</summary>
    private sealed class Cell
    {
        private readonly List<Member> _members = [];
        private readonly Dictionary<string, long> _ticksById = new(StringComparer.Ordinal);
        private long _lastAddedTicks;

        public void Add(string incidentId, long occurredTicks, long periodTicks, long nowTicks)
        {
            lock (_members)
            {
                _lastAddedTicks = nowTicks;
                if (_ticksById.TryGetValue(incidentId, out var known))
                {
                    if (known == occurredTicks)
                    {
                        return;
                    }
                    _members.Remove(new Member(known, incidentId));
                }
                _ticksById[incidentId] = occurredTicks;
                _members.Insert(FirstAtOrAfter(occurredTicks), new Member(occurredTicks, incidentId));
                // The baseline period before this incident is all any count reads.
                var old = FirstAtOrAfter(occurredTicks - periodTicks);
                for (var i = 0; i < old; i++)
                {
                    _ticksById.Remove(_members[i].IncidentId);
                }
                _members.RemoveRange(0, old);
            }
        }

        public (HotspotCounts, DateTimeOffset) CountAt(long occurredTicks, long lengthTicks, long periodTicks)
        {
            lock (_members)
            {
                var stop = occurredTicks;
                var latest = FirstAtOrAfter(occurredTicks + lengthTicks + 1) - 1;
                if (latest >= 0 && _members[latest].Ticks >= occurredTicks)
                {
                    stop = _members[latest].Ticks;
                }
                return (Counts(stop, lengthTicks, periodTicks), new DateTimeOffset(stop, TimeSpan.Zero));
            }
        }

        public HotspotCounts CountEndingAt(long endTicks, long lengthTicks, long periodTicks)
        {
            lock (_members)
            {
                return Counts(endTicks, lengthTicks, periodTicks);
            }
        }

        public bool IdleSince(long ticks)
        {
            lock (_members)
            {
                return _lastAddedTicks < ticks;
            }
        }

        /// <summary>In the window (stop - length, stop], and in the baseline before it [stop - period, stop - length].</summary>
        private HotspotCounts Counts(long stop, long lengthTicks, long periodTicks)
        {
            var startOfWindow = FirstAtOrAfter(stop - lengthTicks + 1);
            return new HotspotCounts(FirstAtOrAfter(stop + 1) - startOfWindow, startOfWindow - FirstAtOrAfter(stop - periodTicks));
        }

        private int FirstAtOrAfter(long ticks)
        {
            int low = 0, high = _members.Count;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (_members[middle].Ticks < ticks)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }
            return low;
        }
    }
}

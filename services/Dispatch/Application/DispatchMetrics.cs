using System.Diagnostics.Metrics;

namespace Dispatch.Application;

/// <summary>Dispatch's own instruments (meter "Suite.Dispatch"), exported with the service defaults' OpenTelemetry.</summary>
public sealed class DispatchMetrics : IDisposable
{
    public const string MeterName = "Suite.Dispatch";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _recommendation;
    private readonly Counter<long> _positions;
    private readonly Counter<long> _assignments;
    private readonly Counter<long> _shortfalls;
    private readonly Counter<long> _slaBreaches;

    public DispatchMetrics()
    {
        _recommendation = _meter.CreateHistogram<double>("dispatch.recommendation.duration", "ms", "Time to rank units for every tier of one incident");
        _positions = _meter.CreateCounter<long>("dispatch.positions", description: "Position updates received from terminals");
        _assignments = _meter.CreateCounter<long>("dispatch.assignments", description: "Units assigned");
        _shortfalls = _meter.CreateCounter<long>("dispatch.shortfalls", description: "Tiers that could not be met in full or in time");
        _slaBreaches = _meter.CreateCounter<long>("dispatch.sla.breaches", description: "Tier deadlines missed");
    }

    public void Recommendation(TimeSpan elapsed) => _recommendation.Record(elapsed.TotalMilliseconds);

    public void Position() => _positions.Add(1);

    public void Assigned(int count) => _assignments.Add(count);

    public void Shortfall() => _shortfalls.Add(1);

    public void SlaBreached() => _slaBreaches.Add(1);

    public void Dispose() => _meter.Dispose();
}

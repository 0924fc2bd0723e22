using System.Globalization;
using Analysis.Domain.Series;
using AnalysisEval.Scenario;

namespace AnalysisEval.Evaluation;

/// <summary>
/// Fits the series model's weights by logistic regression on labelled candidate pairs (the pairs the pipeline
/// scores: each property crime against the earlier ones within the candidate radius and window), the way
/// crime-linkage studies fit theirs on solved cases. Unlinked pairs are subsampled and weighted back, so the
/// intercept stays calibrated to the real share of linked pairs. Magnitude weights are kept non-negative
/// (a feature that the fit would reverse is dropped, i.e. weighted 0).
/// </summary>
public static class Calibration
{
    private const double NegativeSampleRate = 0.1;
    private const double Ridge = 1.0;

    public static readonly string[] TermNames =
        ["Intercept", "Distance", "DaysApart", "Spree", .. Enum.GetValues<SeriesFeature>().Select(f => f.ToString())];

    public static double[] Fit(IEnumerable<LabelledScenario> scenarios, SeriesOptions options)
    {
        var random = new Random(12345);
        var scorer = new SeriesScorer(options);
        var rows = new List<(double[] X, double Y, double Weight)>();
        foreach (var scenario in scenarios)
        {
            var truth = scenario.Incidents.ToDictionary(i => i.Id, i => i.Truth.SeriesId);
            foreach (var (incident, candidates) in OfflineRun.CandidateSets(scenario, options))
            {
                foreach (var candidate in candidates)
                {
                    var linked = truth[incident.IncidentId] is { } s && s == truth[candidate.IncidentId];
                    if (!linked && random.NextDouble() >= NegativeSampleRate)
                    {
                        continue;
                    }

                    rows.Add((Row(scorer.Terms(incident, candidate, describe: false)), linked ? 1 : 0, linked ? 1 : 1 / NegativeSampleRate));
                }
            }
        }

        Console.WriteLine($"calibration: {rows.Count:N0} candidate pairs ({rows.Count(r => r.Y == 1):N0} linked; unlinked sampled at {NegativeSampleRate:P0})");
        var active = Enumerable.Range(0, TermNames.Length).ToHashSet();
        while (true)
        {
            var beta = Newton(rows, active);
            var reversed = active.Where(j => j > 0 && beta[j] < 0).ToList();
            if (reversed.Count == 0)
            {
                return beta;
            }

            Console.WriteLine($"calibration: {string.Join(", ", reversed.Select(j => TermNames[j]))} would be reversed; fixed at 0");
            active.ExceptWith(reversed);
        }
    }

    /// <summary>The model's columns, signed so every weight but the intercept is a non-negative magnitude.</summary>
    private static double[] Row(LinkTerms terms)
    {
        var row = new List<double> { 1, -terms.LogKm, -terms.LogDays, terms.Spree };
        for (var i = 0; i < terms.Features.Count; i++)
        {
            row.Add(terms.Features[i].Signal);
        }

        return [.. row];
    }

    /// <summary>Weighted ridge logistic regression by Newton-Raphson over the active columns.</summary>
    private static double[] Newton(List<(double[] X, double Y, double Weight)> rows, HashSet<int> active)
    {
        var d = TermNames.Length;
        var beta = new double[d];
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[d];
            var hessian = new double[d, d];
            foreach (var (x, y, w) in rows)
            {
                var z = 0.0;
                foreach (var j in active)
                {
                    z += beta[j] * x[j];
                }

                var p = 1 / (1 + Math.Exp(-z));
                var g = w * (y - p);
                var h = w * p * (1 - p);
                foreach (var j in active)
                {
                    gradient[j] += g * x[j];
                    foreach (var k in active)
                    {
                        hessian[j, k] += h * x[j] * x[k];
                    }
                }
            }

            foreach (var j in active.Where(j => j > 0))
            {
                gradient[j] -= Ridge * beta[j];
                hessian[j, j] += Ridge;
            }

            var index = active.Order().ToArray();
            var step = Solve(index.Select(j => index.Select(k => hessian[j, k]).ToArray()).ToArray(), index.Select(j => gradient[j]).ToArray());
            var change = 0.0;
            for (var i = 0; i < index.Length; i++)
            {
                beta[index[i]] += step[i];
                change = Math.Max(change, Math.Abs(step[i]));
            }

            if (change < 1e-6)
            {
                break;
            }
        }

        return beta;
    }

    /// <summary>Gaussian elimination with partial pivoting.</summary>
    private static double[] Solve(double[][] a, double[] b)
    {
        var n = b.Length;
        for (var col = 0; col < n; col++)
        {
            var pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(a[r][col]));
            (a[col], a[pivot]) = (a[pivot], a[col]);
            (b[col], b[pivot]) = (b[pivot], b[col]);
            for (var r = col + 1; r < n; r++)
            {
                var factor = a[r][col] / a[col][col];
                for (var c = col; c < n; c++)
                {
                    a[r][c] -= factor * a[col][c];
                }

                b[r] -= factor * b[col];
            }
        }

        var x = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = b[r];
            for (var c = r + 1; c < n; c++)
            {
                sum -= a[r][c] * x[c];
            }

            x[r] = sum / a[r][r];
        }

        return x;
    }

    /// <summary>The fitted weights as --set arguments and as an appsettings fragment.</summary>
    public static void Print(double[] beta)
    {
        Console.WriteLine("fitted weights (Analysis:Series:Weights):");
        for (var j = 0; j < TermNames.Length; j++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  --set Analysis:Series:Weights:{TermNames[j]}={beta[j]:0.###}"));
        }

        Console.WriteLine("  \"Weights\": { " + string.Join(", ", TermNames.Select((n, j) => string.Create(CultureInfo.InvariantCulture, $"\"{n}\": {beta[j]:0.##}"))) + " }");
    }
}

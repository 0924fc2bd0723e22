using System.Reflection;
using Google.Protobuf.Reflection;
using Grpc.Core;
using static ServiceDefaults.Security.SuiteRoles;

namespace ServiceDefaults.Security;

/// <summary>Who may call one RPC. <see cref="Ownership"/> names the resource check the service makes on the request itself.</summary>
public sealed record RpcPolicy(IReadOnlySet<string> Roles, bool Anonymous = false, string? Ownership = null);

/// <summary>What to answer a call before it reaches its handler: nothing (allowed) or a refusal.</summary>
public readonly record struct RpcDecision(StatusCode? Refusal, string Message)
{
    public bool Allowed => Refusal is null;

    public static RpcDecision Allow { get; } = new(null, "");
}

/// <summary>
/// The one table of who may call what, read by the gateway and by every service (so a call around the
/// gateway gets the same answer). A method missing here is refused: deny by default.
/// </summary>
public static class RpcPolicies
{
    private static readonly Dictionary<string, RpcPolicy> Methods = new(StringComparer.Ordinal)
    {
        // intake.v1: reports come from terminals, partners and the hotline desk, each under its own source only.
        ["/intake.v1.IntakeService/SubmitReport"] = Allow([Terminal, Partner, Operator], "report.source is the caller's own source"),
        ["/intake.v1.IntakeService/SubmitReports"] = Allow([Terminal, Partner, Operator], "every report.source is the caller's own source"),

        // dispatch.v1: a terminal is its own unit; operators watch and query.
        ["/dispatch.v1.DispatchService/Connect"] = Allow([Terminal], "hello.unit_id is the caller's unit"),
        ["/dispatch.v1.DispatchService/UpdateAssignment"] = Allow([Terminal], "the assignment is the caller's unit's"),
        ["/dispatch.v1.DispatchService/WatchFeed"] = Allow([Operator, Admin]),
        ["/dispatch.v1.DispatchService/GetIncident"] = Allow([Operator, Admin]),
        ["/dispatch.v1.DispatchService/ListUnits"] = Allow([Operator, Admin]),
        ["/dispatch.v1.DispatchService/RecommendUnits"] = Allow([Operator, Admin]),
        ["/dispatch.v1.DispatchService/GetResponseStats"] = Allow([Operator, Admin]),
        // "A single request, the whole network responds": the officer on scene, or the centre for a unit.
        ["/dispatch.v1.DispatchService/RequestSupport"] = Allow([Terminal, Operator], "a terminal asks as its own unit (requested_by_unit_id)"),
        // Closing an incident withdraws units: an operational decision, the operator's.
        ["/dispatch.v1.DispatchService/CloseIncident"] = Allow([Operator]),
        // Run cards decide who is sent: changed by administrators only, read by operators too.
        ["/dispatch.v1.DispatchService/UpsertResponsePlan"] = Allow([Admin]),
        ["/dispatch.v1.DispatchService/ListResponsePlans"] = Allow([Operator, Admin]),

        // analysis.v1: operators watch and query.
        ["/analysis.v1.AnalysisService/GetIncidentLinks"] = Allow([Operator, Admin]),
        ["/analysis.v1.AnalysisService/WatchAlerts"] = Allow([Operator, Admin]),
        ["/analysis.v1.AnalysisService/GetSeries"] = Allow([Operator, Admin]),
        ["/analysis.v1.AnalysisService/GetFraudChain"] = Allow([Operator, Admin]),
        ["/analysis.v1.AnalysisService/GetHotspots"] = Allow([Operator, Admin]),
        // The watchlist names wanted people and their identifiers: kept and read by administrators only.
        ["/analysis.v1.AnalysisService/UpsertWatchlistEntry"] = Allow([Admin]),
        ["/analysis.v1.AnalysisService/RemoveWatchlistEntry"] = Allow([Admin]),
        ["/analysis.v1.AnalysisService/ListWatchlist"] = Allow([Admin]),
        // Changes what links fraud reports for everyone: administrators only.
        ["/analysis.v1.AnalysisService/SetIdentifierPublic"] = Allow([Admin]),
    };

    /// <summary>Infrastructure services, by full service name.</summary>
    private static readonly Dictionary<string, RpcPolicy> Services = new(StringComparer.Ordinal)
    {
        // Load balancers, the gateway's probes and orchestrators ask without a token; the answer reveals nothing.
        ["grpc.health.v1.Health"] = new(new HashSet<string>(), Anonymous: true),
        // The schema is public (protos/), but enumerating a live host is an administrator's business.
        ["grpc.reflection.v1alpha.ServerReflection"] = Allow([Admin]),
        ["grpc.reflection.v1.ServerReflection"] = Allow([Admin]),
    };

    /// <summary>Every method with a policy, by path ("/package.Service/Method").</summary>
    public static IReadOnlyDictionary<string, RpcPolicy> ByMethod => Methods;

    public static RpcPolicy? Find(string method)
    {
        if (Methods.TryGetValue(method, out var policy))
        {
            return policy;
        }
        var service = method.TrimStart('/').Split('/')[0];
        return Services.GetValueOrDefault(service);
    }

    /// <param name="method">The request path, "/package.Service/Method".</param>
    /// <param name="identity">The authenticated caller, or null.</param>
    /// <param name="authenticationFailure">Why the presented token was not accepted, when one was presented.</param>
    public static RpcDecision Decide(string method, SuiteIdentity? identity, string? authenticationFailure)
    {
        var policy = Find(method);
        if (policy is { Anonymous: true })
        {
            return RpcDecision.Allow;
        }
        if (identity is null)
        {
            return new(StatusCode.Unauthenticated, authenticationFailure ?? "a bearer token is required (metadata 'authorization: Bearer <token>')");
        }
        if (policy is null)
        {
            return new(StatusCode.PermissionDenied, $"{method} has no access policy: denied");
        }
        if (identity.BindingProblem is { } problem)
        {
            return new(StatusCode.PermissionDenied, problem);
        }
        return policy.Roles.Contains(identity.Role)
            ? RpcDecision.Allow
            : new(StatusCode.PermissionDenied, $"role '{identity.Role}' may not call {method}");
    }

    /// <summary>Every RPC of the suite's contracts (libs/Contracts), from the compiled proto descriptors.</summary>
    public static IReadOnlyList<MethodDescriptor> Catalog { get; } = typeof(Contracts.Intake.V1.IntakeService).Assembly.GetTypes()
        .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(p => p?.PropertyType == typeof(FileDescriptor))
        .SelectMany(p => ((FileDescriptor)p!.GetValue(null)!).Services)
        .SelectMany(s => s.Methods)
        .ToList();

    public static string PathOf(MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";

    private static RpcPolicy Allow(string[] roles, string? ownership = null) => new(roles.ToHashSet(StringComparer.Ordinal), Ownership: ownership);
}

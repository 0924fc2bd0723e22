using System.ComponentModel.DataAnnotations;

namespace Gateway;

/// <summary>The gateway's own limits and browser access (routes and clusters are YARP's "ReverseProxy" section).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Origins of the operator console allowed to call with gRPC-Web (CORS). Empty: no browser origin.</summary>
    public List<string> ConsoleOrigins { get; set; } = [];

    /// <summary>Calls one identity may start per second, sustained (anonymous callers: per IP address).</summary>
    [Range(1, 100_000)]
    public int CallsPerSecond { get; set; } = 20;

    /// <summary>Calls one identity may start at once after a quiet spell.</summary>
    [Range(1, 100_000)]
    public int CallBurst { get; set; } = 40;

    /// <summary>Streams (Connect, WatchFeed, WatchAlerts, bulk submissions) one identity may hold open at once.</summary>
    [Range(1, 10_000)]
    public int MaxStreamsPerIdentity { get; set; } = 8;

    /// <summary>The largest request message of a unary call the gateway forwards.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;
}

using System.Buffers;
using System.Buffers.Binary;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ServiceDefaults.Security;

namespace Gateway;

/// <summary>
/// Every proxied call passes here before it leaves the gateway: the caller's token and role against
/// <see cref="RpcPolicies"/> (the services check again, and check ownership), then the size of a
/// unary request's message, read from its length prefix before anything is forwarded.
/// </summary>
public sealed class RpcGate(IOptions<GatewayOptions> options, ILogger<RpcGate> logger)
{
    private const int FrameHeaderBytes = 5; // compressed flag + 4-byte big-endian length

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var method = context.Request.Path.Value ?? "";
        var (identity, failure) = await SuiteAuthentication.AuthenticateAsync(context);
        var decision = RpcPolicies.Decide(method, identity, failure);
        if (!decision.Allowed)
        {
            if (decision.Refusal == StatusCode.PermissionDenied)
            {
                logger.LogWarning("Refused {Method} to {Subject} ({Role}): {Reason}", method, identity?.Subject, identity?.Role, decision.Message);
            }
            await GrpcResponses.WriteStatusAsync(context, decision.Refusal!.Value, decision.Message);
            return;
        }

        if (!GatewayRpcs.IsClientStreaming(method) && await OversizeMessageAsync(context) is { } size)
        {
            await GrpcResponses.WriteStatusAsync(context, StatusCode.ResourceExhausted,
                $"the request message is {size} bytes; the gateway forwards at most {options.Value.MaxMessageBytes}");
            return;
        }
        await next();
    }

    /// <summary>The declared length of the first message when it is over the limit; the body is left unread for the proxy.</summary>
    private async Task<long?> OversizeMessageAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "";
        if (contentType.Contains("grpc-web-text", StringComparison.OrdinalIgnoreCase))
        {
            return null; // base64 body: bounded by the server's request body limit instead
        }
        // One message: the request body may be no larger. Set before reading (the server fixes it once reading
        // starts), and kept: the forwarder would lift it for anything that looks like gRPC, streaming or not.
        var limit = options.Value.MaxMessageBytes + FrameHeaderBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
        {
            server.MaxRequestBodySize = limit;
        }
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(new FixedBodyLimit(limit));

        var reader = context.Request.BodyReader;
        var read = await reader.ReadAtLeastAsync(FrameHeaderBytes, context.RequestAborted);
        var buffer = read.Buffer;
        long? oversize = null;
        if (buffer.Length >= FrameHeaderBytes)
        {
            Span<byte> header = stackalloc byte[FrameHeaderBytes];
            buffer.Slice(0, FrameHeaderBytes).CopyTo(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            oversize = length > options.Value.MaxMessageBytes ? length : null;
        }
        reader.AdvanceTo(buffer.Start, buffer.Start); // nothing consumed: the proxy forwards the body from its first byte
        return oversize;
    }
}

/// <summary>What the forwarder sees of a limit the gateway already set on the server: it cannot be lifted.</summary>
internal sealed class FixedBodyLimit(long limit) : IHttpMaxRequestBodySizeFeature
{
    public bool IsReadOnly => false;

    public long? MaxRequestBodySize
    {
        get => limit;
        set { } // deliberately ignored
    }
}

/// <summary>The suite's RPCs by path, with their streaming shape from the proto descriptors.</summary>
public static class GatewayRpcs
{
    private static readonly Dictionary<string, Google.Protobuf.Reflection.MethodDescriptor> ByPath =
        RpcPolicies.Catalog.ToDictionary(RpcPolicies.PathOf, StringComparer.Ordinal);

    public static bool IsClientStreaming(string path) => ByPath.TryGetValue(path, out var method) && method.IsClientStreaming;

    public static bool IsServerStreaming(string path) => ByPath.TryGetValue(path, out var method) && method.IsServerStreaming;

    public static bool IsStreaming(string path) => ByPath.TryGetValue(path, out var method) && (method.IsClientStreaming || method.IsServerStreaming);
}

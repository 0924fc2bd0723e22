using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Net.Http.Headers;

namespace Gateway;

/// <summary>
/// Answers a call at the gateway as a gRPC server would: HTTP 200 with the status in the headers
/// ("trailers-only"), so gRPC, gRPC-Web and every client library read the exact code.
/// </summary>
public static class GrpcResponses
{
    public static Task WriteStatusAsync(HttpContext context, StatusCode code, string message, Google.Rpc.Status? details = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = IsGrpcWeb(context.Request.ContentType) ? context.Request.ContentType : "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        if (details is not null)
        {
            details.Code = (int)code;
            details.Message = message;
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(details.ToByteArray());
        }
        if (retryAfter is { } delay)
        {
            response.Headers[HeaderNames.RetryAfter] = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            // gRPC clients with a retry policy wait this long before their next attempt.
            response.Headers["grpc-retry-pushback-ms"] = ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }
        return response.CompleteAsync();
    }

    public static bool IsGrpcWeb(string? contentType) => contentType?.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec).</summary>
    private static string PercentEncode(string message)
    {
        var encoded = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }
}

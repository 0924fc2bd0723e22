using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Messaging;

/// <summary>Record headers: what the payload is and the W3C trace context it was produced in.</summary>
public static class KafkaHeaders
{
    public const string ContentType = "content-type";
    public const string Schema = "schema";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public const string ProtobufContentType = "application/x-protobuf";
    public const string JsonContentType = "application/json";

    public static Headers ForProtobuf(string schema)
    {
        var headers = new Headers
        {
            { ContentType, Encoding.UTF8.GetBytes(ProtobufContentType) },
            { Schema, Encoding.UTF8.GetBytes(schema) },
        };
        if (Activity.Current is { } activity)
        {
            headers.Add(TraceParent, Encoding.UTF8.GetBytes(activity.Id!));
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                headers.Add(TraceState, Encoding.UTF8.GetBytes(activity.TraceStateString));
            }
        }
        return headers;
    }

    public static string? Get(Headers? headers, string name)
        => headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}

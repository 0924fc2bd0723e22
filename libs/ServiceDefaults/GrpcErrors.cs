using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Microsoft.Extensions.Hosting;

/// <summary>The suite's error model: google.rpc.Status with details, so callers see which field was wrong.</summary>
public static class GrpcErrors
{
    public static RpcException InvalidArgument(IReadOnlyCollection<FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var violation in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation
            {
                Field = violation.Field,
                Description = $"{violation.Reason}: {violation.Description}",
            });
        }

        var first = violations.First();
        var message = violations.Count == 1
            ? $"{first.Field}: {first.Description}"
            : $"{violations.Count} invalid fields, first {first.Field}: {first.Description}";
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = message,
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }

    public static RpcException InvalidArgument(string field, string reason, string description)
        => InvalidArgument([new FieldViolation { Field = field, Reason = reason, Description = description }]);

    public static RpcException NotFound(string what) => new(new Grpc.Core.Status(StatusCode.NotFound, what));

    public static RpcException FailedPrecondition(string why) => new(new Grpc.Core.Status(StatusCode.FailedPrecondition, why));

    public static RpcException Unavailable(string why) => new(new Grpc.Core.Status(StatusCode.Unavailable, why));
}

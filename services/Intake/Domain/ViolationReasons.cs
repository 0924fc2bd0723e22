namespace Intake.Domain;

/// <summary>Stable machine-readable reason codes, shared by the gRPC error details and the dead-letter records.</summary>
public static class ViolationReasons
{
    public const string Required = "REQUIRED";
    public const string OutOfRange = "OUT_OF_RANGE";
    public const string TooLong = "TOO_LONG";
    public const string TooMany = "TOO_MANY";
    public const string InvalidFormat = "INVALID_FORMAT";
    public const string UnknownValue = "UNKNOWN_VALUE";
    public const string InFuture = "IN_FUTURE";
    public const string TooOld = "TOO_OLD";
}

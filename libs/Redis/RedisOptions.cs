using System.ComponentModel.DataAnnotations;

namespace Redis;

/// <summary>Section "Redis"; e.g. Redis__Configuration=redis:6379.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string ("host:port,password=...").</summary>
    [Required]
    public string Configuration { get; set; } = "";
}

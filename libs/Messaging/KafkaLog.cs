using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>Routes librdkafka's own log lines into the host's logging instead of stderr.</summary>
public static class KafkaLog
{
    public static void Write(ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility} {Name}: {Message}", message.Facility, message.Name, message.Message);
    }
}

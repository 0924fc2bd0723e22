using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ServiceDefaults.Privacy;

namespace Security.UnitTests;

/// <summary>Whatever code logs or tags, the sinks mask it: the formatter behind the console, the processor before trace export.</summary>
public sealed class MaskingSinksTests
{
    [Fact]
    public void The_console_formatter_masks_messages_and_exceptions()
    {
        var formatter = new MaskingConsoleFormatter(new StaticOptions(new ConsoleFormatterOptions { TimestampFormat = null }));
        var writer = new StringWriter();
        var state = "report from 13812345678 about card 6222021234567890";
        var exception = new InvalidOperationException("lookup of 11010519491231002X failed");

        formatter.Write(new LogEntry<string>(LogLevel.Warning, "Intake", new EventId(7), state, exception, (s, _) => s), null, writer);

        var line = writer.ToString();
        Assert.StartsWith("warn: Intake[7] report from ***5678 about card ***7890", line);
        Assert.Contains("lookup of ***002X failed", line);
        Assert.DoesNotContain("13812345678", line);
        Assert.DoesNotContain("6222021234567890", line);
        Assert.DoesNotContain("11010519491231002X", line);
    }

    [Fact]
    public void The_trace_processor_masks_tags_and_status_before_export()
    {
        using var activity = new Activity("SubmitReport").Start();
        activity.SetTag("report.caller", "+86 138 1234 5678");
        activity.SetTag("messaging.kafka.offset", 1234567L);
        activity.SetTag("incident.id", "5b0c3f1e-1234-8123-9123-123456789012");
        activity.SetStatus(ActivityStatusCode.Error, "no account 6222021234567890");
        activity.Stop();

        new MaskingActivityProcessor().OnEnd(activity);

        Assert.Equal("***5678", activity.GetTagItem("report.caller"));
        Assert.Equal(1234567L, activity.GetTagItem("messaging.kafka.offset"));
        Assert.Equal("5b0c3f1e-1234-8123-9123-123456789012", activity.GetTagItem("incident.id"));
        Assert.Equal("no account ***7890", activity.StatusDescription);
    }

    private sealed class StaticOptions(ConsoleFormatterOptions value) : IOptionsMonitor<ConsoleFormatterOptions>
    {
        public ConsoleFormatterOptions CurrentValue => value;

        public ConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ConsoleFormatterOptions, string?> listener) => null;
    }
}

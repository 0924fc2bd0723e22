using Embedded;
using Messaging;

namespace Bench;

/// <summary>What every benchmark does before its own load: Ctrl+C handling, the machine and its idle load on record, the embedded broker and Redis.</summary>
internal static class BenchSetup
{
    /// <summary>Ctrl+C cancels the returned source instead of ending the bench at once: the service under test must still be stopped.</summary>
    public static CancellationTokenSource CancelOnCtrlC()
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return cancel;
    }

    /// <summary>Prints the dll under test, the machine, and how busy the machine is before anything of the benchmark runs.</summary>
    public static void DescribeMachine(string service, string dll)
    {
        Console.WriteLine($"{service}: {dll}");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Hardware.CpuModel()}, {Hardware.MemoryGiB():F0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        var idle = Idle.Measure(TimeSpan.FromSeconds(1));
        Console.WriteLine($"Before start: machine {idle * 100:F0}% busy{(idle > 0.05 ? " - WARNING: something else is running; results will be low and noisy" : "")}");
    }
}

/// <summary>Embedded Kafka (one broker, every topic of the suite) and embedded Redis, in this process.</summary>
internal sealed class EmbeddedBackends : IDisposable
{
    private EmbeddedBackends(EmbeddedKafka kafka, EmbeddedRedis redis)
    {
        Kafka = kafka;
        Redis = redis;
    }

    public EmbeddedKafka Kafka { get; }
    public EmbeddedRedis Redis { get; }

    public static EmbeddedBackends Start(int partitions)
    {
        var kafka = EmbeddedKafka.Start(brokers: 1);
        try
        {
            kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
            foreach (var topic in Topics.All)
            {
                kafka.CreateTopic(topic.Name, partitions);
            }
            var redis = EmbeddedRedis.Start();
            Console.WriteLine($"embedded Kafka {kafka.BootstrapServers} ({Topics.All.Count} topics x {partitions} partitions), embedded Redis {redis.ConnectionString}");
            return new EmbeddedBackends(kafka, redis);
        }
        catch
        {
            kafka.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Redis.Dispose();
        Kafka.Dispose();
    }
}

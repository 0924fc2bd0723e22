using System.Diagnostics;
using Confluent.Kafka;
using Embedded;
using Xunit.Abstractions;

namespace Embedded.IntegrationTests;

public sealed class EmbeddedKafkaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public void Start_ExposesLoopbackBootstrapServers_ForEachBroker()
    {
        using var kafka = EmbeddedKafka.Start(brokers: 3);

        var servers = kafka.BootstrapServers.Split(',');
        Assert.Equal(3, servers.Length);
        Assert.All(servers, s =>
        {
            Assert.StartsWith("127.0.0.1:", s, StringComparison.Ordinal);
            Assert.True(int.Parse(s["127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture) > 0);
        });
        Assert.Equal(3, servers.Distinct().Count());
    }

    [Fact]
    public void CreateTopic_IsVisibleInMetadata_AndRecreatingDoesNotThrow()
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.CreateTopic("meta-topic", partitions: 5);
        kafka.CreateTopic("meta-topic", partitions: 2); // already exists: no throw, unchanged

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("meta-topic", TimeSpan.FromSeconds(10));
        var topic = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, topic.Error.Code);
        Assert.Equal(5, topic.Partitions.Count);
    }

    [Fact]
    public void SetBrokerDown_UnknownBroker_ThrowsWithNativeErrorCode()
    {
        using var kafka = EmbeddedKafka.Start(brokers: 1);
        var ex = Assert.Throws<InvalidOperationException>(() => kafka.SetBrokerDown(99));
        output.WriteLine(ex.Message);
        Assert.Contains("error 8", ex.Message, StringComparison.Ordinal); // RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE

        kafka.SetBrokerDown(-1); // -1 = all brokers
        kafka.SetBrokerUp(-1);
    }

    [Fact]
    public void Dispose_IsIdempotent_AndLaterCallsThrowObjectDisposed()
    {
        var kafka = EmbeddedKafka.Start();
        kafka.Dispose();
        kafka.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kafka.CreateTopic("x", 1));
        Assert.Throws<ObjectDisposedException>(() => kafka.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero));
    }

    [Fact]
    public void NativeBinding_UsesTheSameLibrdkafkaFileAsConfluentKafka()
    {
        using var kafka = EmbeddedKafka.Start();
        Assert.True(OperatingSystem.IsLinux(), "this check reads /proc/self/maps");

        var loaded = File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..].Trim() : "")
            .Where(p => Path.GetFileName(p).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        output.WriteLine($"bound: {EmbeddedKafka.NativeLibraryPath}; mapped: {string.Join(", ", loaded)}");

        Assert.Equal(EmbeddedKafka.NativeLibraryPath, Assert.Single(loaded));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IdempotentProducer_And_ConsumerGroup_RoundTrip100Messages_Over3Partitions(bool immediateGroupJoin)
    {
        var sw = Stopwatch.StartNew();
        using var kafka = EmbeddedKafka.Start();
        if (immediateGroupJoin)
        {
            kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        }

        const string topic = "orders";
        kafka.CreateTopic(topic, partitions: 3);

        var producerConfig = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
        };
        using (var producer = new ProducerBuilder<string, string>(producerConfig).Build())
        {
            var deliveries = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
                producer.ProduceAsync(topic, new Message<string, string> { Key = $"key-{i}", Value = $"value-{i}" })));

            Assert.All(deliveries, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
            Assert.Equal(3, deliveries.Select(d => d.Partition.Value).Distinct().Count());
            producer.Flush(TimeSpan.FromSeconds(5));
        }
        output.WriteLine($"produced 100 after {sw.ElapsedMilliseconds} ms");

        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "orders-test-group",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        var received = new Dictionary<string, string>();
        var partitions = new HashSet<int>();
        using (var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build())
        {
            consumer.Subscribe(topic);
            var deadline = Stopwatch.StartNew();
            long? firstMessageMs = null;
            while (received.Count < 100 && deadline.Elapsed < Deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                firstMessageMs ??= deadline.ElapsedMilliseconds;
                received[result.Message.Key] = result.Message.Value;
                partitions.Add(result.Partition.Value);
            }

            output.WriteLine($"consumer: first message after {firstMessageMs} ms, all after {deadline.ElapsedMilliseconds} ms");
            consumer.Commit();
            var committed = consumer.Committed(TimeSpan.FromSeconds(5));
            Assert.Equal(100, committed.Sum(c => c.Offset.Value));
            consumer.Close();
        }

        Assert.Equal(100, received.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal($"value-{i}", received[$"key-{i}"]);
        }
        Assert.Equal(3, partitions.Count);
        output.WriteLine($"total {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task BrokerDown_ProduceTimesOut_BrokerUp_ProduceSucceeds()
    {
        using var kafka = EmbeddedKafka.Start();
        const string topic = "flaky";
        kafka.CreateTopic(topic, partitions: 1);

        var config = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 2000,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 200,
        };
        using var producer = new ProducerBuilder<Null, string>(config).Build();

        var warmup = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" });
        Assert.Equal(PersistenceStatus.Persisted, warmup.Status);

        kafka.SetBrokerDown(1);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ProduceException<Null, string>>(() =>
            producer.ProduceAsync(topic, new Message<Null, string> { Value = "while-down" }));
        output.WriteLine($"while down: {ex.Error.Code} '{ex.Error.Reason}' after {sw.ElapsedMilliseconds} ms");
        Assert.Contains(ex.Error.Code, new[] { ErrorCode.Local_MsgTimedOut, ErrorCode.Local_Transport, ErrorCode.Local_AllBrokersDown });
        Assert.NotEqual(PersistenceStatus.Persisted, ex.DeliveryResult.Status);

        kafka.SetBrokerUp(1);
        sw.Restart();
        DeliveryResult<Null, string>? after = null;
        var attempts = 0;
        while (after is null && sw.Elapsed < Deadline)
        {
            attempts++;
            try
            {
                after = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after" });
            }
            catch (ProduceException<Null, string> retry)
            {
                output.WriteLine($"after up, attempt {attempts}: {retry.Error.Code}");
            }
        }

        output.WriteLine($"after up: delivered after {sw.ElapsedMilliseconds} ms in {attempts} attempt(s)");
        Assert.NotNull(after);
        Assert.Equal(PersistenceStatus.Persisted, after.Status);
    }

    [Fact]
    public async Task AutoCreatedTopic_GetsMockDefaultPartitionCount()
    {
        using var kafka = EmbeddedKafka.Start();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var result = await producer.ProduceAsync("auto-created", new Message<Null, string> { Value = "x" });
        Assert.Equal(PersistenceStatus.Persisted, result.Status);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var topic = Assert.Single(admin.GetMetadata("auto-created", TimeSpan.FromSeconds(10)).Topics);
        output.WriteLine($"auto-created topic has {topic.Partitions.Count} partitions");
        Assert.Equal(4, topic.Partitions.Count);
    }
}

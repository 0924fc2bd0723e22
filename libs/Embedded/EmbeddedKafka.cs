using System.Runtime.InteropServices;
using System.Text;
using Embedded.NativeMethods;

namespace Embedded;

/// <summary>
/// An in-process Kafka cluster for local development and tests, backed by librdkafka's mock
/// cluster (the one shipped inside Confluent.Kafka's native library).
/// <para>
/// The brokers listen on 127.0.0.1 with random ports; <see cref="BootstrapServers"/> can be handed
/// to any Kafka client, in this process or another. The mock cluster supports producing
/// (including idempotent and transactional producers), consumer groups with offset commits and
/// metadata/auto topic creation, but NOT the admin CreateTopics API: use <see cref="CreateTopic"/>.
/// </para>
/// </summary>
public sealed unsafe class EmbeddedKafka : IDisposable
{
    private readonly Lock _lock = new();
    private IntPtr _rk;
    private IntPtr _mcluster;

    private EmbeddedKafka(IntPtr rk, IntPtr mcluster, string bootstrapServers, int brokerCount)
    {
        _rk = rk;
        _mcluster = mcluster;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokerCount;
    }

    /// <summary>Comma separated "127.0.0.1:port" list of the mock brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    /// <summary>
    /// Path of the librdkafka shared object the mock-cluster calls are bound to (the same file
    /// Confluent.Kafka loaded); null before the first <see cref="Start"/> or where it cannot be
    /// determined (non-Linux).
    /// </summary>
    public static string? NativeLibraryPath => Librdkafka.LibraryPath;

    /// <summary>Starts a mock cluster with <paramref name="brokers"/> brokers (ids 1..brokers).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokers"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The native library could not be bound or the cluster not created.</exception>
    public static EmbeddedKafka Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        Librdkafka.EnsureInitialized();

        const int errSize = 512;
        var errstr = stackalloc byte[errSize];
        errstr[0] = 0;

        var conf = Librdkafka.ConfNew();
        if (conf == IntPtr.Zero)
        {
            throw new InvalidOperationException("EmbeddedKafka: rd_kafka_conf_new returned NULL.");
        }

        // The owning handle never talks to a broker; keep it from logging about the missing
        // bootstrap.servers. Errors from the mock cluster are still logged.
        SetConf(conf, "log_level", "3", errstr, errSize);
        SetConf(conf, "client.id", "embedded-kafka-mock-owner", errstr, errSize);

        var rk = Librdkafka.New(Librdkafka.RdKafkaProducer, conf, errstr, errSize);
        if (rk == IntPtr.Zero)
        {
            // On failure the conf object is NOT consumed by rd_kafka_new.
            Librdkafka.ConfDestroy(conf);
            throw new InvalidOperationException(
                $"EmbeddedKafka: rd_kafka_new failed: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
        }

        var mcluster = Librdkafka.MockClusterNew(rk, brokers);
        if (mcluster == IntPtr.Zero)
        {
            Librdkafka.Destroy(rk);
            throw new InvalidOperationException(
                $"EmbeddedKafka: rd_kafka_mock_cluster_new({brokers}) returned NULL.");
        }

        var bootstraps = Marshal.PtrToStringUTF8(Librdkafka.MockClusterBootstraps(mcluster));
        if (string.IsNullOrEmpty(bootstraps))
        {
            Librdkafka.MockClusterDestroy(mcluster);
            Librdkafka.Destroy(rk);
            throw new InvalidOperationException("EmbeddedKafka: the mock cluster reported no bootstrap servers.");
        }

        return new EmbeddedKafka(rk, mcluster, bootstraps, brokers);
    }

    /// <summary>
    /// Creates <paramref name="name"/> with the given partition count. Creating a topic that
    /// already exists is not an error (its partition count is left unchanged).
    /// </summary>
    /// <exception cref="InvalidOperationException">The mock cluster returned an error.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);

        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        int err;
        lock (_lock)
        {
            var mcluster = Cluster();
            fixed (byte* topic = bytes)
            {
                err = Librdkafka.MockTopicCreate(mcluster, topic, partitions, replicationFactor);
            }
        }

        if (err != Librdkafka.ErrNoError && err != Librdkafka.ErrTopicAlreadyExists)
        {
            throw new InvalidOperationException(
                $"EmbeddedKafka: creating topic '{name}' ({partitions} partitions, rf {replicationFactor}) failed with error {err}: {Librdkafka.ErrorToString(err)}");
        }
    }

    /// <summary>
    /// Disconnects broker <paramref name="brokerId"/> (ids are 1..<see cref="BrokerCount"/>; -1 means
    /// every broker) and refuses new connections to it. Does not move partition leadership.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown broker id (error 8, BROKER_NOT_AVAILABLE).</exception>
    public void SetBrokerDown(int brokerId) => BrokerCall(brokerId, down: true);

    /// <summary>Makes broker <paramref name="brokerId"/> (1-based, -1 = all) accept connections again.</summary>
    /// <exception cref="InvalidOperationException">Unknown broker id (error 8, BROKER_NOT_AVAILABLE).</exception>
    public void SetBrokerUp(int brokerId) => BrokerCall(brokerId, down: false);

    /// <summary>
    /// Sets the cluster-wide group.initial.rebalance.delay.ms. The mock cluster defaults to 3000 ms
    /// (like a real broker), so the first consumer of a new group waits ~3 s for its assignment;
    /// <see cref="TimeSpan.Zero"/> makes group joins immediate, which speeds up tests.
    /// </summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay.TotalMilliseconds, int.MaxValue, nameof(delay));
        lock (_lock)
        {
            Librdkafka.MockGroupInitialRebalanceDelayMs(Cluster(), (int)delay.TotalMilliseconds);
        }
    }

    /// <summary>Destroys the mock cluster and its owning handle. Idempotent.</summary>
    public void Dispose()
    {
        IntPtr mcluster, rk;
        lock (_lock)
        {
            mcluster = _mcluster;
            rk = _rk;
            _mcluster = IntPtr.Zero;
            _rk = IntPtr.Zero;
        }

        if (mcluster != IntPtr.Zero)
        {
            Librdkafka.MockClusterDestroy(mcluster);
        }

        if (rk != IntPtr.Zero)
        {
            Librdkafka.Destroy(rk);
        }
    }

    private void BrokerCall(int brokerId, bool down)
    {
        int err;
        lock (_lock)
        {
            var mcluster = Cluster();
            err = down
                ? Librdkafka.MockBrokerSetDown(mcluster, brokerId)
                : Librdkafka.MockBrokerSetUp(mcluster, brokerId);
        }

        if (err != Librdkafka.ErrNoError)
        {
            throw new InvalidOperationException(
                $"EmbeddedKafka: setting broker {brokerId} {(down ? "down" : "up")} failed with error {err}: {Librdkafka.ErrorToString(err)}");
        }
    }

    private IntPtr Cluster()
    {
        ObjectDisposedException.ThrowIf(_mcluster == IntPtr.Zero, this);
        return _mcluster;
    }

    private static void SetConf(IntPtr conf, string name, string value, byte* errstr, int errSize)
    {
        var n = Encoding.UTF8.GetBytes(name + "\0");
        var v = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* pn = n, pv = v)
        {
            // RD_KAFKA_CONF_OK == 0; a failure here is cosmetic only, so it is ignored.
            _ = Librdkafka.ConfSet(conf, pn, pv, errstr, (nuint)errSize);
        }
    }
}

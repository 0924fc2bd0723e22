using System.Reflection;
using System.Runtime.InteropServices;

namespace Embedded.NativeMethods;

/// <summary>
/// Function pointers into librdkafka's mock-cluster API (src/rdkafka_mock.h) and the few core
/// calls needed to create the rd_kafka_t handle that owns a mock cluster.
/// <para>
/// Bound to exactly the librdkafka file that Confluent.Kafka itself loaded (found through
/// /proc/self/maps on Linux), so the process never holds two copies of the native library.
/// The mock API is experimental and not covered by librdkafka's ABI guarantees: the signatures
/// below are those of librdkafka 2.16 (the version shipped with Confluent.Kafka 2.16.0).
/// </para>
/// </summary>
internal static unsafe class Librdkafka
{
    /// <summary>rd_kafka_type_t RD_KAFKA_PRODUCER.</summary>
    public const int RdKafkaProducer = 0;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR_NO_ERROR.</summary>
    public const int ErrNoError = 0;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.</summary>
    public const int ErrTopicAlreadyExists = 36;

    private static readonly Lock InitLock = new();
    private static bool _initialized;

    /// <summary>Path of the native library the pointers below were bound to.</summary>
    public static string? LibraryPath { get; private set; }

    // rd_kafka_conf_t *rd_kafka_conf_new(void);
    public static delegate* unmanaged<IntPtr> ConfNew;

    // void rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
    public static delegate* unmanaged<IntPtr, void> ConfDestroy;

    // rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
    //                                       const char *value, char *errstr, size_t errstr_size);
    public static delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet;

    // rd_kafka_t *rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
    //                          char *errstr, size_t errstr_size);
    public static delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New;

    // void rd_kafka_destroy(rd_kafka_t *rk);
    public static delegate* unmanaged<IntPtr, void> Destroy;

    // const char *rd_kafka_err2str(rd_kafka_resp_err_t err);
    public static delegate* unmanaged<int, IntPtr> Err2Str;

    // rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt);
    public static delegate* unmanaged<IntPtr, int, IntPtr> MockClusterNew;

    // void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster);
    public static delegate* unmanaged<IntPtr, void> MockClusterDestroy;

    // const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster);
    public static delegate* unmanaged<IntPtr, IntPtr> MockClusterBootstraps;

    // rd_kafka_resp_err_t rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster,
    //     const char *topic, int partition_cnt, int replication_factor);
    public static delegate* unmanaged<IntPtr, byte*, int, int, int> MockTopicCreate;

    // rd_kafka_resp_err_t rd_kafka_mock_broker_set_down(rd_kafka_mock_cluster_t *mcluster,
    //     int32_t broker_id);
    public static delegate* unmanaged<IntPtr, int, int> MockBrokerSetDown;

    // rd_kafka_resp_err_t rd_kafka_mock_broker_set_up(rd_kafka_mock_cluster_t *mcluster,
    //     int32_t broker_id);
    public static delegate* unmanaged<IntPtr, int, int> MockBrokerSetUp;

    // void rd_kafka_mock_group_initial_rebalance_delay_ms(rd_kafka_mock_cluster_t *mcluster,
    //     int32_t delay_ms);
    public static delegate* unmanaged<IntPtr, int, void> MockGroupInitialRebalanceDelayMs;

    /// <summary>
    /// Makes Confluent.Kafka load its native library, locates that very file and binds the
    /// function pointers to it. Safe to call repeatedly.
    /// </summary>
    /// <exception cref="InvalidOperationException">The library could not be found or bound.</exception>
    public static void EnsureInitialized()
    {
        lock (InitLock)
        {
            if (_initialized)
            {
                return;
            }

            // Reading the version forces Confluent.Kafka to pick and load its librdkafka variant
            // (on glibc Linux that is runtimes/linux-x64/native/centos8-librdkafka.so).
            string version;
            try
            {
                version = Confluent.Kafka.Library.VersionString;
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    "EmbeddedKafka: Confluent.Kafka could not load its native librdkafka library.", ex);
            }

            var path = FindLoadedLibrdkafka();
            IntPtr handle;
            try
            {
                handle = path is not null
                    ? NativeLibrary.Load(path)
                    : NativeLibrary.Load("librdkafka", typeof(Confluent.Kafka.Library).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    $"EmbeddedKafka: could not load librdkafka from '{path ?? "librdkafka"}' (Confluent.Kafka reports librdkafka {version}).", ex);
            }

            try
            {
                ConfNew = (delegate* unmanaged<IntPtr>)Export(handle, "rd_kafka_conf_new");
                ConfDestroy = (delegate* unmanaged<IntPtr, void>)Export(handle, "rd_kafka_conf_destroy");
                ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Export(handle, "rd_kafka_conf_set");
                New = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Export(handle, "rd_kafka_new");
                Destroy = (delegate* unmanaged<IntPtr, void>)Export(handle, "rd_kafka_destroy");
                Err2Str = (delegate* unmanaged<int, IntPtr>)Export(handle, "rd_kafka_err2str");
                MockClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)Export(handle, "rd_kafka_mock_cluster_new");
                MockClusterDestroy = (delegate* unmanaged<IntPtr, void>)Export(handle, "rd_kafka_mock_cluster_destroy");
                MockClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Export(handle, "rd_kafka_mock_cluster_bootstraps");
                MockTopicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Export(handle, "rd_kafka_mock_topic_create");
                MockBrokerSetDown = (delegate* unmanaged<IntPtr, int, int>)Export(handle, "rd_kafka_mock_broker_set_down");
                MockBrokerSetUp = (delegate* unmanaged<IntPtr, int, int>)Export(handle, "rd_kafka_mock_broker_set_up");
                MockGroupInitialRebalanceDelayMs = (delegate* unmanaged<IntPtr, int, void>)Export(handle, "rd_kafka_mock_group_initial_rebalance_delay_ms");
            }
            catch (EntryPointNotFoundException ex)
            {
                throw new InvalidOperationException(
                    $"EmbeddedKafka: librdkafka at '{path}' (version {version}) does not export the mock cluster API.", ex);
            }

            // The handle is intentionally never freed: Confluent.Kafka keeps the library loaded for
            // the life of the process anyway, and our function pointers must stay valid.
            LibraryPath = path;
            _initialized = true;
        }
    }

    /// <summary>Human readable text for an rd_kafka_resp_err_t.</summary>
    public static string ErrorToString(int err)
    {
        var p = Err2Str(err);
        return p == IntPtr.Zero ? $"error {err}" : Marshal.PtrToStringUTF8(p) ?? $"error {err}";
    }

    private static IntPtr Export(IntPtr handle, string name) => NativeLibrary.GetExport(handle, name);

    /// <summary>
    /// Returns the path of the librdkafka shared object mapped into this process, or null when
    /// it cannot be determined (non-Linux platforms).
    /// </summary>
    private static string? FindLoadedLibrdkafka()
    {
        const string maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(maps))
        {
            return null;
        }

        foreach (var line in File.ReadLines(maps))
        {
            // Format: address perms offset dev inode pathname
            var slash = line.IndexOf('/');
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var fileName = Path.GetFileName(path);
            if (fileName.Contains("librdkafka", StringComparison.Ordinal)
                && fileName.Contains(".so", StringComparison.Ordinal)
                && File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            "EmbeddedKafka: Confluent.Kafka reports its native library as loaded, but no librdkafka " +
            $"shared object was found in {maps}. Loaded from assembly: {Assembly.GetAssembly(typeof(Confluent.Kafka.Library))?.Location}.");
    }
}

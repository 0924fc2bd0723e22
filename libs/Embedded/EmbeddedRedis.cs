using System.Net;
using Garnet;

namespace Embedded;

/// <summary>
/// An in-process Redis-compatible server (Microsoft Garnet) for local development and tests.
/// Listens on 127.0.0.1 only, keeps everything in memory (no AOF, no checkpoints, no storage
/// tier), has Lua scripting (EVAL/EVALSHA/SCRIPT LOAD) enabled with scripts atomic over the keys
/// they declare (a script must pass every key it touches in KEYS), and logs errors only.
/// </summary>
public sealed class EmbeddedRedis : IDisposable
{
    private readonly Lock _lock = new();
    private GarnetServer? _server;

    private EmbeddedRedis(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>TCP port the server listens on (on 127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>StackExchange.Redis style connection string, e.g. "127.0.0.1:6379".</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts Garnet on 127.0.0.1:<paramref name="port"/>; with 0 a free port is picked.
    /// </summary>
    /// <exception cref="InvalidOperationException">Garnet failed to start (e.g. port in use).</exception>
    public static EmbeddedRedis Start(int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);

        if (port == 0)
        {
            port = LoopbackPort.PickFree();
        }

        string[] args =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--lua",                      // EVAL / EVALSHA / SCRIPT LOAD (StackExchange.Redis LuaScript)
            "--lua-transaction-mode",     // a script runs atomically (locks the keys it declares), as on Redis; without it Garnet interleaves scripts
            "-q",                         // no version banner / ASCII art
            "--logger-level", "Error",
            "--index", "16m",             // hash index is allocated up front; default 128m is overkill for dev/tests
        ];

        GarnetServer server;
        try
        {
            server = new GarnetServer(args);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"EmbeddedRedis: could not create Garnet server on 127.0.0.1:{port}.", ex);
        }

        try
        {
            server.Start();
        }
        catch (Exception ex)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"EmbeddedRedis: could not start Garnet server on 127.0.0.1:{port}.", ex);
        }

        return new EmbeddedRedis(server, port);
    }

    /// <summary>Stops the server and frees its memory. Idempotent.</summary>
    public void Dispose()
    {
        GarnetServer? server;
        lock (_lock)
        {
            server = _server;
            _server = null;
        }

        server?.Dispose();
    }
}

using Embedded;
using StackExchange.Redis;

namespace Embedded.IntegrationTests;

public sealed class EmbeddedRedisTests
{
    [Fact]
    public async Task SetGet_RoundTrips()
    {
        using var redis = EmbeddedRedis.Start();
        Assert.Equal($"127.0.0.1:{redis.Port}", redis.ConnectionString);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();

        Assert.True(await db.StringSetAsync("greeting", "hello", TimeSpan.FromMinutes(1)));
        Assert.Equal("hello", (string?)await db.StringGetAsync("greeting"));
        Assert.False((await db.StringGetAsync("missing")).HasValue);
    }

    [Fact]
    public async Task GeoSearch_OrdersByDistance()
    {
        using var redis = EmbeddedRedis.Start();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = mux.GetDatabase();

        // Around central Paris; search from Notre-Dame.
        var added = await db.GeoAddAsync("drivers",
        [
            new GeoEntry(2.2945, 48.8584, "eiffel"),     // ~4.1 km
            new GeoEntry(2.3376, 48.8606, "louvre"),     // ~1.2 km
            new GeoEntry(2.3522, 48.8566, "hotel-de-ville"), // ~0.4 km
            new GeoEntry(-0.1276, 51.5072, "london"),    // ~340 km, outside the radius
        ]);
        Assert.Equal(4, added);

        var results = await db.GeoSearchAsync("drivers", 2.3499, 48.8530,
            new GeoSearchCircle(10, GeoUnit.Kilometers),
            order: Order.Ascending,
            options: GeoRadiusOptions.WithDistance);

        Assert.Equal(["hotel-de-ville", "louvre", "eiffel"], results.Select(r => r.Member.ToString()));
        var distances = results.Select(r => r.Distance!.Value).ToArray();
        Assert.Equal(distances.Order().ToArray(), distances);
        Assert.InRange(distances[0], 0.2, 0.8);
        Assert.InRange(distances[2], 3.5, 4.8);

        var top1 = await db.GeoSearchAsync("drivers", 2.3499, 48.8530,
            new GeoSearchCircle(10, GeoUnit.Kilometers), count: 1, order: Order.Descending);
        Assert.Equal("eiffel", Assert.Single(top1).Member.ToString());
    }

    [Fact]
    public async Task LuaScripts_Evaluate_AndLoadedScriptsRun()
    {
        using var redis = EmbeddedRedis.Start();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var db = mux.GetDatabase();

        var result = await db.ScriptEvaluateAsync(
            "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[1], ARGV[2])",
            ["counter"], [40, 2]);
        Assert.Equal(42, (int)result);

        var script = LuaScript.Prepare("return redis.call('GET', @key) .. @suffix");
        var loaded = await script.LoadAsync(mux.GetServer(redis.ConnectionString));
        var viaSha = await loaded.EvaluateAsync(db, new { key = (RedisKey)"counter", suffix = "!" });
        Assert.Equal("42!", (string?)viaSha);
    }

    [Fact]
    public async Task Start_OnExplicitPort_AndDispose_IsIdempotent_AndStopsListening()
    {
        int port;
        using (var probe = EmbeddedRedis.Start())
        {
            port = probe.Port;
        }

        var redis = EmbeddedRedis.Start(port);
        Assert.Equal(port, redis.Port);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            Assert.True(mux.IsConnected);
            await mux.GetDatabase().PingAsync();
        }

        redis.Dispose();
        redis.Dispose();

        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync("127.0.0.1", port));
    }
}

using Embedded;
using StackExchange.Redis;

namespace Analysis.UnitTests;

/// <summary>One in-process Garnet for the tests of Analysis's scripts (their rules live in Lua, so they are tested where they run).</summary>
public sealed class GarnetFixture : IAsyncLifetime
{
    private EmbeddedRedis? _server;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = EmbeddedRedis.Start();
        Redis = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        _server?.Dispose();
    }
}

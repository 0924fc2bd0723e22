using Redis;
using StackExchange.Redis;

namespace Analysis.UnitTests;

/// <summary>Scripts run by their SHA1 name, and still run where the server does not know them (new, or flushed).</summary>
public sealed class RedisScriptTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    private readonly RedisScript _script = new($"-- {Guid.NewGuid():N}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");

    [Fact]
    public async Task A_script_the_server_has_not_seen_runs_and_is_loaded_for_the_calls_after_it()
    {
        var db = garnet.Redis.GetDatabase();
        var key = $"script-test:{Guid.NewGuid():N}";
        Assert.False(await ScriptKnownAsync());

        Assert.Equal(2, (long)await _script.EvaluateAsync(db, [key], [2]));
        Assert.True(await ScriptKnownAsync());
        Assert.Equal(5, (long)await _script.EvaluateAsync(db, [key], [3]));
    }

    [Fact]
    public async Task A_script_runs_again_after_the_server_forgot_it()
    {
        var db = garnet.Redis.GetDatabase();
        var key = $"script-test:{Guid.NewGuid():N}";
        Assert.Equal(1, (long)await _script.EvaluateAsync(db, [key], [1]));

        await db.ExecuteAsync("SCRIPT", "FLUSH");
        Assert.False(await ScriptKnownAsync());

        Assert.Equal(2, (long)await _script.EvaluateAsync(db, [key], [1]));
    }

    private async Task<bool> ScriptKnownAsync()
        => (long)((RedisResult[])(await garnet.Redis.GetDatabase().ExecuteAsync("SCRIPT", "EXISTS", _script.Sha1Hex))!)[0] == 1;
}

using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Redis;

/// <summary>
/// A Lua script sent by its SHA1 name (<c>EVALSHA</c>); its text travels only when the server does not know it yet
/// (<c>NOSCRIPT</c>: a new or restarted server, or a cluster node that has not run it), which also loads it there.
/// StackExchange.Redis's text overloads look the script up by its text on every call, hashing all of it: with scripts
/// of a few kilobytes that was 1-2 % of Analysis's CPU.
/// </summary>
public sealed class RedisScript
{
    private const string NoScriptPrefix = "NOSCRIPT";

    // SHA1 is how Redis names scripts (EVALSHA); nothing here relies on it as a security measure.
    private readonly byte[] _sha1;

    public RedisScript(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        Text = text;
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Text { get; }

    /// <summary>The SHA1 Redis knows the script by, in lower-case hex (as <c>SCRIPT LOAD</c> answers).</summary>
    public string Sha1Hex => Convert.ToHexStringLower(_sha1);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await database.ScriptEvaluateAsync(_sha1, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith(NoScriptPrefix, StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(Text, keys, values).ConfigureAwait(false);
        }
    }
}

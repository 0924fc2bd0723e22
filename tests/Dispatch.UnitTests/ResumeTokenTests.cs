using System.Text;
using Dispatch.Streaming;

namespace Dispatch.UnitTests;

public sealed class ResumeTokenTests
{
    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_token_round_trips()
    {
        var positions = new Dictionary<(string Topic, int Partition), long>
        {
            [("incidents.v1", 0)] = 17,
            [("incidents.v1", 5)] = 0,
            [("units.v1", 2)] = 123_456_789_012,
            [("alerts_v1-x", 11)] = long.MaxValue,
        };

        Assert.True(ResumeToken.TryDecode(ResumeToken.Encode(positions), out var decoded));

        Assert.Equal(positions.OrderBy(p => p.Key), decoded.OrderBy(p => p.Key));
    }

    [Fact]
    public void The_encoding_does_not_depend_on_insertion_order()
    {
        var a = new Dictionary<(string Topic, int Partition), long> { [("b", 1)] = 1, [("a", 2)] = 2, [("a", 10)] = 3 };
        var b = new Dictionary<(string Topic, int Partition), long> { [("a", 10)] = 3, [("a", 2)] = 2, [("b", 1)] = 1 };

        Assert.Equal(ResumeToken.Encode(a), ResumeToken.Encode(b));
    }

    [Fact]
    public void The_token_is_opaque_base64()
    {
        var token = ResumeToken.Encode(new Dictionary<(string Topic, int Partition), long> { [("incidents", 3)] = 42 });

        Assert.Equal("incidents:3:42", Encoding.UTF8.GetString(Convert.FromBase64String(token)));
    }

    [Theory]
    [InlineData("not a token!")]
    [InlineData("%%%%")]
    [InlineData("abc")]            // bad base64 length
    [InlineData("====")]
    public void Text_that_is_not_base64_is_rejected(string token)
        => Assert.False(ResumeToken.TryDecode(token, out _));

    [Theory]
    [InlineData("garbage")]
    [InlineData("incidents:0")]
    [InlineData("incidents:0:1:2")]
    [InlineData("incidents:x:1")]
    [InlineData("incidents:0:y")]
    [InlineData("incidents:-1:5")]
    [InlineData("incidents:0:-5")]
    [InlineData("incidents: 0:5")]
    [InlineData("incidents:0:5 ")]
    [InlineData("incidents:0:+5")]
    [InlineData("incidents:0:99999999999999999999")]
    [InlineData("incidents:99999999999:5")]
    [InlineData("incidents:0:5;units:1")]
    public void Base64_of_garbage_is_rejected(string text)
        => Assert.False(ResumeToken.TryDecode(Base64(text), out _));

    [Fact]
    public void Base64_of_bytes_that_are_not_utf8_is_rejected()
        => Assert.False(ResumeToken.TryDecode(Convert.ToBase64String([0xFF, 0xFE, 0x00, 0x81]), out _));
}

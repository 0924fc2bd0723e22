using System.ComponentModel.DataAnnotations;
using Analysis.Domain;
using Analysis.Domain.Fraud;

namespace Analysis.UnitTests.Fraud;

public sealed class CommonIdentifierRuleTests
{
    private static CommonIdentifierRule Rule(params string[] publicIdentifiers)
        => new(new FraudOptions { PublicIdentifiers = publicIdentifiers });

    [Fact]
    public void Options_whose_decisive_groups_are_below_the_minimum_fail_validation()
    {
        var options = new FraudOptions { BridgeMinGroups = 4, BridgeDecisiveGroups = 3 };

        Assert.Contains(options.Validate(new ValidationContext(options)), e => e.MemberNames.Contains(nameof(FraudOptions.BridgeDecisiveGroups)));
    }

    [Fact]
    public void A_listed_host_covers_its_subdomains_and_every_address_on_it_but_not_look_alikes()
    {
        var rule = Rule("url:https://www.Douyin.com/", "phone:955-88");

        Assert.True(rule.IsListedPublic(IdentifierKeys.Key(Contracts.Common.V1.IdentifierType.Url, "https://douyin.com/video/123")!));
        Assert.True(rule.IsListedPublic("url:live.douyin.com"));
        Assert.True(rule.IsListedPublic("phone:95588"));
        Assert.False(rule.IsListedPublic("url:douyin.com.pay-refund.top"));
        Assert.False(rule.IsListedPublic("url:notdouyin.com"));
        Assert.False(rule.IsListedPublic("phone:95533"));
    }

    [Theory]
    [InlineData("phone:+86 138-0013-8000", "phone:+8613800138000")]
    [InlineData("bank:6222 0202 0011 2233", "bank:6222020200112233")]
    [InlineData("idno:330102199001011234", null)] // an ID number is a person, not fraud infrastructure
    [InlineData("95588", null)]
    [InlineData("fax:12345", null)]
    public void Listed_identifiers_are_normalised_like_report_identifiers(string entry, string? key)
        => Assert.Equal(key, CommonIdentifierRule.ParsePublic(entry));

    [Fact]
    public void Options_with_a_listed_identifier_that_is_not_one_fail_validation_with_its_value()
    {
        var options = new FraudOptions { PublicIdentifiers = ["url:douyin.com", "hotline 95588"] };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        var error = Assert.Single(errors);
        Assert.Contains("'hotline 95588'", error.ErrorMessage);
    }

    [Fact]
    public void Evidence_says_why_an_identifier_links_nothing()
    {
        var rule = Rule();

        Assert.Contains("have nothing else in common", rule.Explain("phone:95588", CommonReason.Bridge));
        Assert.StartsWith("phone 95588", rule.Explain("phone:95588", CommonReason.Bridge));
        Assert.Contains("in more than 100 reports", rule.Explain("phone:95588", CommonReason.TooManyReports));
        Assert.Contains("listed public identifier", rule.Explain("url:douyin.com", CommonReason.ListedPublic));
    }
}

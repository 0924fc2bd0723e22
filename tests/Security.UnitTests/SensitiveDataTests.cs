using Contracts.Common.V1;
using ServiceDefaults.Privacy;

namespace Security.UnitTests;

public sealed class SensitiveDataTests
{
    [Theory]
    [InlineData("call 13812345678 now", "call ***5678 now")]
    [InlineData("victim +86 138 1234 5678 called", "victim ***5678 called")]
    [InlineData("0086-139-8765-4321", "***4321")]
    [InlineData("overseas +44 20 7946 0958", "overseas ***0958")]
    [InlineData("landline 0571-87654321", "landline ***4321")]
    [InlineData("card 6222 0212 3456 7890 123 rented", "card ***0123 rented")]
    [InlineData("account 6222021234567890", "account ***7890")]
    [InlineData("id 11010519491231002X", "id ***002X")]
    [InlineData("alipay zhang.wei88@example.com", "alipay z***@example.com")]
    [InlineData("two: 13800000000, 13900000001", "two: ***0000, ***0001")]
    [InlineData("dial +1 23 45 now", "dial ***2345 now")] // the fewest digits any masked number has
    public void Masks_phone_account_card_and_ID_numbers_keeping_the_last_four(string text, string masked)
        => Assert.Equal(masked, SensitiveData.MaskText(text));

    [Theory]
    [InlineData("incident 5b0c3f1e-1234-8123-9123-123456789012 assigned")]
    [InlineData("occurred 2026-11-23T12:00:00Z, received 20261123")]
    [InlineData("partner.incidents.v1 [[2]] @1234567")]
    [InlineData("traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("unit pc-12 at 30.2741,120.1551 (120 m), 3 candidates, 1,560 cases")]
    [InlineData("external id 20261123-120000-01")]
    [InlineData("")]
    public void Leaves_ids_dates_offsets_and_coordinates_alone(string text)
        => Assert.Equal(text, SensitiveData.MaskText(text));

    [Theory]
    [InlineData(IdentifierType.Phone, "138-1234-5678", "***5678")]
    [InlineData(IdentifierType.BankAccount, "62220212345678901", "***8901")]
    [InlineData(IdentifierType.PaymentAccount, "wx_zhangwei_1988", "***1988")]
    [InlineData(IdentifierType.PaymentAccount, "li.na@example.cn", "l***@example.cn")]
    [InlineData(IdentifierType.IdNumber, "33010619850101123X", "***123X")]
    [InlineData(IdentifierType.IdNumber, "123", "***")]
    [InlineData(IdentifierType.VehiclePlate, "浙A12345", "浙A12345")]
    public void Masks_a_typed_identifier_by_its_type(IdentifierType type, string value, string masked)
        => Assert.Equal(masked, SensitiveData.MaskIdentifier(type, value));
}

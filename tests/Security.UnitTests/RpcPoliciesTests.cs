using Grpc.Core;
using ServiceDefaults.Security;

namespace Security.UnitTests;

public sealed class RpcPoliciesTests
{
    [Fact]
    public void Every_RPC_of_the_contracts_has_a_policy_and_every_policy_names_a_real_RPC()
    {
        var catalog = RpcPolicies.Catalog.Select(RpcPolicies.PathOf).ToHashSet();
        Assert.True(catalog.Count >= 9);
        Assert.DoesNotContain(catalog, path => RpcPolicies.Find(path) is null);
        Assert.Empty(RpcPolicies.ByMethod.Keys.Except(catalog));
        Assert.All(RpcPolicies.ByMethod.Values, policy => Assert.True(policy.Anonymous || policy.Roles.Count > 0));
        Assert.All(RpcPolicies.ByMethod.Values.SelectMany(p => p.Roles), role => Assert.Contains(role, SuiteRoles.All));
    }

    [Fact]
    public void Only_health_is_open_without_a_token()
    {
        Assert.True(RpcPolicies.Decide("/grpc.health.v1.Health/Check", null, null).Allowed);
        Assert.All(RpcPolicies.Catalog, method =>
            Assert.Equal(StatusCode.Unauthenticated, RpcPolicies.Decide(RpcPolicies.PathOf(method), null, null).Refusal));
        Assert.Equal(StatusCode.Unauthenticated, RpcPolicies.Decide("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", null, null).Refusal);
    }

    [Fact]
    public void A_method_without_a_policy_is_denied_even_to_an_admin()
        => Assert.Equal(StatusCode.PermissionDenied, RpcPolicies.Decide("/dispatch.v1.DispatchService/DropAllUnits", SuiteIdentity.Admin("root"), null).Refusal);

    [Fact]
    public void A_terminal_token_without_its_unit_and_a_partner_token_without_its_source_are_useless()
    {
        var unbound = new SuiteIdentity("unit:?", SuiteRoles.Terminal);
        var sourceless = new SuiteIdentity("partner:?", SuiteRoles.Partner);
        Assert.Equal(StatusCode.PermissionDenied, RpcPolicies.Decide("/dispatch.v1.DispatchService/Connect", unbound, null).Refusal);
        Assert.Equal(StatusCode.PermissionDenied, RpcPolicies.Decide("/intake.v1.IntakeService/SubmitReport", sourceless, null).Refusal);
        Assert.True(RpcPolicies.Decide("/dispatch.v1.DispatchService/Connect", SuiteIdentity.Terminal("u1"), null).Allowed);
    }

    [Fact]
    public void The_reason_a_token_was_refused_reaches_the_caller()
        => Assert.Equal("the bearer token has expired",
            RpcPolicies.Decide("/dispatch.v1.DispatchService/ListUnits", null, SuiteAuthentication.Describe(new Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException())).Message);

    [Fact]
    public void Each_role_reports_under_one_source_only()
    {
        Assert.Equal("bank-7", SuiteIdentity.Partner("bank-7").ReportSource);
        Assert.Equal("terminal", SuiteIdentity.Terminal("u1").ReportSource);
        Assert.Equal("hotline", SuiteIdentity.Operator("op").ReportSource);
        Assert.Null(SuiteIdentity.Admin("root").ReportSource);
    }
}

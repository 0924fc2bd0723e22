using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Google.Protobuf;
using ServiceDefaults.Security;
using ServiceProcesses;

namespace DevStack;

/// <summary>What to paste to talk to the stack by hand: a ready token per role and buf curl commands that use them.</summary>
internal static class TryItHint
{
    public static void Print(Uri gateway, RepoLayout layout, DevIdentities identities)
    {
        var terminal = SuiteIdentity.Terminal(DemoCity.Units[0].UnitId);
        var tokens = new (string Variable, SuiteIdentity Identity, string What)[]
        {
            ("SUITE_TERMINAL_TOKEN", terminal, $"terminal bound to unit {terminal.UnitId}: Connect as that unit, UpdateAssignment of its assignments, reports as 'terminal'"),
            ("SUITE_PARTNER_TOKEN", DevIdentities.DemoPartner, $"partner bound to source {DevIdentities.DemoPartner.SourceId}: SubmitReport(s) under that source"),
            ("SUITE_OPERATOR_TOKEN", DevIdentities.DemoOperator, "operator: WatchFeed, WatchAlerts, queries, hotline reports"),
            ("SUITE_ADMIN_TOKEN", DevIdentities.DemoAdmin, "admin: watchlists and response plans, and what operators see"),
        };

        // JsonFormatter writes what buf curl reads: camelCase names, enum names, RFC 3339 timestamps.
        var request = new SubmitReportRequest { Report = DemoScenario.SampleReport(DateTime.UtcNow) };
        var submit = new Uri(gateway, $"/{IntakeService.Descriptor.FullName}/SubmitReport");
        var listUnits = new Uri(gateway, $"/{DispatchService.Descriptor.FullName}/ListUnits");
        // The npm package is @bufbuild/buf; plain "npx buf" resolves to an unrelated package.
        const string bufCurl = "npx @bufbuild/buf curl --schema protos --protocol grpc --http2-prior-knowledge";

        Output.Highlight("");
        Output.Highlight($"Gateway: {gateway.ToString().TrimEnd('/')}  (gRPC and gRPC-Web, HTTP/2 cleartext; intake.v1, dispatch.v1, analysis.v1)");
        Output.Highlight($"Every call needs a bearer token. Ready tokens, valid {DevIdentities.TokenLifetime.TotalHours:F0} h or until this stack stops (key {identities.KeyId}):");
        foreach (var (variable, identity, what) in tokens)
        {
            Output.Highlight($"  # {what}");
            Output.Highlight($"  export {variable}={identities.TokenFor(identity)}");
        }
        Output.Highlight($"Submit a report as the partner (from {layout.Root}):");
        Output.Highlight($"  {bufCurl} -H \"authorization: Bearer $SUITE_PARTNER_TOKEN\" -d {ShellQuote(JsonFormatter.Default.Format(request))} {submit}");
        Output.Highlight("List the units as the operator:");
        Output.Highlight($"  {bufCurl} -H \"authorization: Bearer $SUITE_OPERATOR_TOKEN\" -d '{{}}' {listUnits}");
        Output.Highlight("");
    }

    /// <summary>POSIX single quotes; an embedded ' becomes '\''.</summary>
    private static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}

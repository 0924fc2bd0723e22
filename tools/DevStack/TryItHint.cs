using Google.Protobuf;
using Contracts.Intake.V1;

namespace DevStack;

/// <summary>What to paste to talk to the stack by hand.</summary>
internal static class TryItHint
{
    public static void Print(Uri gateway, RepoLayout layout)
    {
        // JsonFormatter writes what buf curl reads: camelCase names, enum names, RFC 3339 timestamps.
        var request = new SubmitReportRequest { Report = DemoScenario.SampleReport(DateTime.UtcNow) };
        var json = JsonFormatter.Default.Format(request);
        var url = new Uri(gateway, $"/{IntakeService.Descriptor.FullName}/SubmitReport");

        Output.Highlight("");
        Output.Highlight($"Gateway: {gateway.ToString().TrimEnd('/')}  (gRPC, HTTP/2 cleartext; intake.v1, dispatch.v1, analysis.v1)");
        Output.Highlight($"Submit a report (from {layout.Root}):");
        // The npm package is @bufbuild/buf; plain "npx buf" resolves to an unrelated package.
        Output.Highlight($"  npx @bufbuild/buf curl --schema protos --protocol grpc --http2-prior-knowledge -d {ShellQuote(json)} {url}");
        Output.Highlight("");
    }

    /// <summary>POSIX single quotes; an embedded ' becomes '\''.</summary>
    private static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Suite.IntegrationTests;

/// <summary>A real service host on Kestrel, HTTP/2 cleartext on a free loopback port, configured like compose does it.</summary>
public sealed class ServiceHost<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _replaceServices;

    /// <param name="settings">Configuration on top of the host's appsettings.json.</param>
    /// <param name="replaceServices">Test doubles for services the host registers (e.g. a fake clock); null for none.</param>
    /// <param name="listen">How the one loopback endpoint listens; HTTP/2 cleartext by default.</param>
    public ServiceHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? replaceServices = null, Action<ListenOptions>? listen = null)
    {
        _settings = settings;
        _replaceServices = replaceServices;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen ?? (endpoint => endpoint.Protocols = HttpProtocols.Http2)));
        StartServer();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public Uri Address { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        if (_replaceServices is not null)
        {
            builder.ConfigureTestServices(_replaceServices);
        }
    }
}

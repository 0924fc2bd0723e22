using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults.Security;

namespace Microsoft.Extensions.Hosting;

public static class SecurityExtensions
{
    /// <summary>
    /// JWT bearer validation with the configured public keys, and per-method authorization of every gRPC
    /// call. Every host (services and gateway) runs this, so no hop trusts another to have checked.
    /// </summary>
    public static IHostApplicationBuilder AddSuiteSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                var options = auth.Value;
                jwt.TokenHandlers.Clear();
                // "role", "unit_id" stay as they are on the wire
                jwt.TokenHandlers.Add(new CachingTokenHandler(new JsonWebTokenHandler { MapInboundClaims = false }));
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Issuer,
                    ValidAudience = options.Audience,
                    IssuerSigningKeys = SigningKeys.Parse(options.SigningKeys),
                    ValidAlgorithms = SigningKeys.Algorithms,
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(options.ClockSkewSeconds),
                    NameClaimType = SuiteClaims.Subject,
                    RoleClaimType = SuiteClaims.Role,
                };
            });
        services.AddGrpc(grpc => grpc.Interceptors.Add<RpcAuthorizationInterceptor>());
        return builder;
    }
}

using System.Net;
using System.Security.Cryptography;
using Kms.Server.Auth;
using Kms.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kms.Server.Tests;

/// <summary>An OIDC-like identity provider on loopback: serves a JWKS and signs tokens.</summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

    private TestIdentityProvider(WebApplication app, RsaSecurityKey key, string issuer)
    {
        _app = app;
        _key = key;
        Issuer = issuer;
    }

    public string Issuer { get; }
    public string JwksUri => Issuer + "/jwks.json";

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
        jwk.Use = "sig";
        jwk.Alg = "RS256";
        string jwks = System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = jwk.Use, alg = jwk.Alg, n = jwk.N, e = jwk.E } } });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/jwks.json", () => Results.Text(jwks, "application/json"));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestIdentityProvider(app, key, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public string Token(string? email = "dave@example.com", string? audience = "kms", TimeSpan? lifetime = null, string? issuer = null, SecurityKey? key = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "subject-1" };
        if (email is not null) claims["email"] = email;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = now.AddMinutes(-10),
            IssuedAt = now.AddMinutes(-10),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = new SigningCredentials(key ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class JwtTests
{
    [Fact]
    public async Task TokensAreValidatedAgainstTheProvidersJwks()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var other = await TestIdentityProvider.StartAsync();
        var options = new IdpAuthOptions { JwtAuthProvider = [$"{idp.Issuer},{idp.JwksUri},kms", $"{other.Issuer},{other.JwksUri}"] };
        var jwt = new JwtAuthenticator(options, NullLogger<JwtAuthenticator>.Instance);

        Assert.Equal("dave@example.com", (await jwt.AuthenticateAsync(idp.Token(), default)).User);
        Assert.Equal("subject-1", (await jwt.AuthenticateAsync(idp.Token(email: null), default)).User);
        Assert.Equal("dave@example.com", (await jwt.AuthenticateAsync(other.Token(audience: null), default)).User);   // second provider, no audience check

        Assert.Null((await jwt.AuthenticateAsync(idp.Token(audience: "someone-else"), default)).User);
        Assert.Null((await jwt.AuthenticateAsync(idp.Token(lifetime: TimeSpan.FromMinutes(-5)), default)).User);
        Assert.Null((await jwt.AuthenticateAsync(idp.Token(issuer: "https://unknown.example"), default)).User);
        var forged = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "forged" };
        Assert.Null((await jwt.AuthenticateAsync(idp.Token(key: forged), default)).User);
        Assert.Null((await jwt.AuthenticateAsync("not.a.token", default)).User);
        Assert.Null((await jwt.AuthenticateAsync(idp.Token(email: "*"), default)).User);
    }

    [Fact]
    public void MalformedProviderIsAConfigurationError()
    {
        Assert.Throws<ConfigException>(() => new JwtAuthenticator(new IdpAuthOptions { JwtAuthProvider = [",x"] }, NullLogger<JwtAuthenticator>.Instance));
        Assert.Throws<ConfigException>(() => new JwtAuthenticator(new IdpAuthOptions { JwtAuthProvider = ["https://a,not a uri"] }, NullLogger<JwtAuthenticator>.Instance));
    }
}

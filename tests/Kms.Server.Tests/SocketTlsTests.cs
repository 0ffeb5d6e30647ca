using System.Net.Security;
using System.Security.Authentication;
using Kms.Server.Configuration;

namespace Kms.Server.Tests;

/// <summary>Mutual TLS on the KMIP socket, in echo mode (TLS and framing without the engine).</summary>
public sealed class SocketTlsTests
{
    private static TestPki Pki => TestPki.Shared;

    private static ServerOptions Echo(ServerOptions o)
    {
        o.SocketServer.Echo = true;
        return o;
    }

    [Fact]
    public async Task CaSignedClientIsServedAndOthersAreRefused()
    {
        await using var h = await ServerHarness.StartAsync(Echo(ServerHarness.MutualTlsOptions()));
        await using (var client = await h.ConnectAsync(Pki.Alice))
        {
            byte[] response = await client.SendRawAsync(Messages.Padded(64));
            Assert.Equal(64, response.Length);
            Assert.Equal(0x42, response[0]);
            Assert.Equal(0x7B, response[2]);       // ResponseMessage 0x42007B
        }
        Assert.True(await h.IsRefusedAsync(null), "no client certificate");
        Assert.True(await h.IsRefusedAsync(Pki.Bob), "certificate of another CA");
        Assert.True(await h.IsRefusedAsync(Pki.Expired), "expired certificate");
        Assert.True(await h.IsRefusedAsync(Pki.NoClientAuth), "certificate without clientAuth usage");
        Assert.True(await h.IsRefusedAsync(Pki.Wildcard), "CN=*");
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: it must be refused
        Assert.True(await h.IsRefusedAsync(Pki.Alice, o => o.Protocols = SslProtocols.Tls11), "TLS 1.1");
#pragma warning restore SYSLIB0039
        Assert.False(await h.IsRefusedAsync(Pki.Alice, o => o.Protocols = SslProtocols.Tls12), "TLS 1.2 is allowed");
    }

    [Fact]
    public async Task MultiCaBundleAcceptsEachCa()
    {
        await using var h = await ServerHarness.StartAsync(Echo(ServerHarness.MutualTlsOptions(Pki.BundlePem)));
        Assert.False(await h.IsRefusedAsync(Pki.Alice), "CA1 client");
        Assert.False(await h.IsRefusedAsync(Pki.Bob), "CA2 client");
        Assert.True(await h.IsRefusedAsync(Pki.Expired), "still refuses expired");
    }

    [Fact]
    public async Task SuiteOutsideTheListCannotConnect()
    {
        var o = Echo(ServerHarness.MutualTlsOptions());
        o.Tls.TlsCipherSuites = "TLS_AES_256_GCM_SHA384:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        await using var h = await ServerHarness.StartAsync(o);
        Assert.False(await h.IsRefusedAsync(Pki.Alice, c => c.CipherSuites = new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_256_GCM_SHA384])), "listed 1.3 suite");
        Assert.False(await h.IsRefusedAsync(Pki.Alice, c =>
        {
            c.Protocols = SslProtocols.Tls12;
            c.CipherSuites = new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]);
        }), "listed 1.2 suite");
        Assert.True(await h.IsRefusedAsync(Pki.Alice, c => c.CipherSuites = new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_128_GCM_SHA256])), "unlisted 1.3 suite");
        Assert.True(await h.IsRefusedAsync(Pki.Alice, c =>
        {
            c.Protocols = SslProtocols.Tls12;
            c.CipherSuites = new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]);
        }), "unlisted 1.2 suite");
    }

    [Fact]
    public async Task OnlyTls13SuitesMakeTls13TheMinimum()
    {
        var o = Echo(ServerHarness.MutualTlsOptions());
        o.Tls.TlsCipherSuites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
        await using var h = await ServerHarness.StartAsync(o);
        Assert.True(await h.IsRefusedAsync(Pki.Alice, c => c.Protocols = SslProtocols.Tls12), "TLS 1.2 refused");
        await using var client = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(SslProtocols.Tls13, client.Tls.SslProtocol);
    }

    [Fact]
    public void UnknownSuiteIsAStartupErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => Tls.TlsSetup.ParseCipherSuites("TLS_AES_256_GCM_SHA384:TLS_BOGUS_SUITE"));
        Assert.Contains("TLS_BOGUS_SUITE", e.Message);
        Assert.Throws<ConfigException>(() => Tls.TlsSetup.ParseCipherSuites("TLS_RSA_WITH_NULL_SHA256"));
    }

    [Fact]
    public async Task SocketStaysOffWithoutClientCaAndSaysWhy()
    {
        var o = ServerHarness.BaseOptions();
        o.Tls.TlsP12File = Pki.ServerP12;
        o.Tls.TlsP12Password = TestPki.Password;
        o.SocketServer.Echo = true;
        await using (var h = await ServerHarness.StartAsync(o))
        {
            Assert.Null(h.Server.SocketEndPoint);
            Assert.True(h.Log.Contains("KMIP socket off: no client CA bundle"), string.Join("\n", h.Log.Messages));
            Assert.True(h.Server.HttpsEnabled);
        }
        o.SocketServer.Start = true;
        var e = Assert.Throws<ConfigException>(() => KmsServer.Create(o));
        Assert.Contains("socket_server.start", e.Message);
        Assert.Contains("clients_ca_cert_file", e.Message);
    }

    [Fact]
    public async Task PemServerIdentityWorks()
    {
        var o = Echo(ServerHarness.BaseOptions());
        o.Tls.TlsCertFile = Pki.ServerCertPem;
        o.Tls.TlsKeyFile = Pki.ServerKeyPem;
        o.Tls.ClientsCaCertFile = Pki.Ca1Pem;
        await using var h = await ServerHarness.StartAsync(o);
        Assert.False(await h.IsRefusedAsync(Pki.Alice));
    }
}

using Kms.Server.Configuration;

namespace Kms.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kms-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ServerOptions Load(string[] args, Dictionary<string, string>? env = null) =>
        ConfigLoader.Load(ConfigLoader.ParseCommandLine(args), env ?? [], _dir);

    [Fact]
    public void PrecedenceIsFlagsThenEnvironmentThenDotEnvThenTomlThenDefaults()
    {
        File.WriteAllText(Path.Combine(_dir, "kms.toml"), """
            default_username = "from-toml"
            [http]
            port = 1001
            hostname = "10.0.0.1"
            [socket_server]
            port = 2001
            [limits]
            idle_timeout = 11
            """);
        File.WriteAllText(Path.Combine(_dir, ".env"), "KMS_PORT=1002\nKMS_SOCKET_SERVER_PORT=2002\n# comment\nexport KMS_IDLE_TIMEOUT='12'\n");
        var env = new Dictionary<string, string> { ["KMS_PORT"] = "1003", ["KMS_IDLE_TIMEOUT"] = "13" };

        var o = Load(["-c", "kms.toml", "--port", "1004"], env);
        Assert.Equal(1004, o.Http.Port);                   // flag beats all
        Assert.Equal(13, o.Limits.IdleTimeoutSeconds);     // env beats .env
        Assert.Equal(2002, o.SocketServer.Port);           // .env beats TOML
        Assert.Equal("10.0.0.1", o.Http.Hostname);         // TOML beats default
        Assert.Equal("from-toml", o.DefaultUsername);
        File.Delete(Path.Combine(_dir, ".env"));
        Assert.Equal(5 * 60, Load([]).Limits.IdleTimeoutSeconds);   // default
        Assert.Equal(9998, Load([]).Http.Port);
    }

    [Fact]
    public void EchoResponseSizeIsZeroOrAMultipleOfEight()
    {
        Assert.Equal(0, Load([]).SocketServer.EchoResponseSize);
        Assert.Equal(328, Load(["--socket-echo-response-size", "328"]).SocketServer.EchoResponseSize);
        var e = Assert.Throws<ConfigException>(() => Load(["--socket-echo-response-size", "330"]));
        Assert.Contains("echo_response_size", e.Message);
        Assert.Throws<ConfigException>(() => Load(["--socket-echo-response-size", "-8"]));
    }

    [Fact]
    public void ConfigFileFromKmsConfigVariable()
    {
        File.WriteAllText(Path.Combine(_dir, "other.toml"), "[db]\nclear_database = true\ndata_directory = \"/tmp/x\"\n");
        var o = Load([], new() { ["KMS_CONFIG"] = Path.Combine(_dir, "other.toml") });
        Assert.True(o.Db.ClearDatabase);
        Assert.Equal("/tmp/x", o.Db.DataDirectory);
    }

    [Fact]
    public void UnknownKeyIsAnErrorNamingKeyAndLine()
    {
        File.WriteAllText(Path.Combine(_dir, "kms.toml"), "[http]\nport = 9998\n\n[tls]\ntls_p12_file = \"a.p12\"\ntls_p12_pasword = \"typo\"\n");
        var e = Assert.Throws<ConfigException>(() => Load(["--config", "kms.toml"]));
        Assert.Contains("kms.toml:6", e.Message);
        Assert.Contains("tls.tls_p12_pasword", e.Message);

        File.WriteAllText(Path.Combine(_dir, "kms.toml"), "port = 1\n");
        e = Assert.Throws<ConfigException>(() => Load(["--config", "kms.toml"]));
        Assert.Contains("kms.toml:1: unknown key 'port'", e.Message);

        File.WriteAllText(Path.Combine(_dir, "kms.toml"), "\n[htttp]\nport = 1\n");
        e = Assert.Throws<ConfigException>(() => Load(["--config", "kms.toml"]));
        Assert.Contains("kms.toml:2", e.Message);
        Assert.Contains("htttp", e.Message);
    }

    [Fact]
    public void BadValuesNameTheirSource()
    {
        File.WriteAllText(Path.Combine(_dir, "kms.toml"), "[http]\nport = \"abc\"\n");
        Assert.Contains("kms.toml:2", Assert.Throws<ConfigException>(() => Load(["-c", "kms.toml"])).Message);
        Assert.Contains("KMS_PORT", Assert.Throws<ConfigException>(() => Load([], new() { ["KMS_PORT"] = "99999" })).Message);
        Assert.Contains("--port", Assert.Throws<ConfigException>(() => Load(["--port", "x"])).Message);
        Assert.Contains("not found", Assert.Throws<ConfigException>(() => Load(["-c", "missing.toml"])).Message);
    }

    [Fact]
    public void ListsAndBooleansFromEverySource()
    {
        File.WriteAllText(Path.Combine(_dir, "kms.toml"), """
            privileged_users = ["alice", "bob"]
            [idp_auth]
            jwt_auth_provider = ["https://a.example,https://a.example/jwks,aud1", "https://b.example"]
            """);
        var o = Load(["-c", "kms.toml", "--force-default-username"]);
        Assert.Equal(["alice", "bob"], o.PrivilegedUsers);
        Assert.Equal(2, o.IdpAuth.JwtAuthProvider.Count);
        Assert.True(o.ForceDefaultUsername);
        o = Load(["--privileged-users", "x", "--privileged-users", "y", "--socket-server-start", "false"], new() { ["KMS_CLEAR_DATABASE"] = "true" });
        Assert.Equal(["x", "y"], o.PrivilegedUsers);
        Assert.False(o.SocketServer.Start);
        Assert.True(o.Db.ClearDatabase);
        Assert.Equal(["u1", "u2"], Load([], new() { ["KMS_PRIVILEGED_USERS"] = "u1;u2" }).PrivilegedUsers);
    }

    [Fact]
    public void HelpListsEveryOptionWithVariableAndDefault()
    {
        var help = ConfigLoader.ParseCommandLine(["--help"]);
        Assert.Equal(CommandLineAction.Help, help.Action);
        foreach (var spec in OptionTable.All)
        {
            Assert.Contains(spec.Flag, help.Output);
            Assert.Contains("[env: " + spec.EnvironmentVariable + "]", help.Output);
            if (spec.DefaultText is not null) Assert.Contains("[default: " + spec.DefaultText + "]", help.Output);
        }
        Assert.Contains("--config", help.Output);
        Assert.Contains("--print-default-config", help.Output);
        Assert.Equal(CommandLineAction.Error, ConfigLoader.ParseCommandLine(["--no-such-flag"]).Action);
    }

    [Fact]
    public void DefaultTemplateIsValidAndGivesTheDefaults()
    {
        var result = ConfigLoader.ParseCommandLine(["--print-default-config"]);
        Assert.Equal(CommandLineAction.PrintDefaultConfig, result.Action);
        File.WriteAllText(Path.Combine(_dir, "template.toml"), result.Output);
        var o = Load(["-c", "template.toml"]);
        var d = new ServerOptions();
        Assert.Equal(d.Http.Port, o.Http.Port);
        Assert.Equal(d.SocketServer.Port, o.SocketServer.Port);
        Assert.Equal(d.DefaultUsername, o.DefaultUsername);
        Assert.Null(o.SocketServer.Start);
        foreach (var spec in OptionTable.All)
            Assert.Contains(spec.TomlKey[(spec.TomlKey.IndexOf('.') + 1)..] + " = ", result.Output);
    }
}

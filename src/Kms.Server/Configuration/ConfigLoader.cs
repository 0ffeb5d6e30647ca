using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Kms.Server.Configuration;

/// <summary>What the command line asked for.</summary>
public enum CommandLineAction : byte { Run, Help, PrintDefaultConfig, Error }

/// <summary>The parsed command line: the action, the flags given explicitly and the output to print.</summary>
public sealed record CommandLineResult(CommandLineAction Action, string? ConfigFile, IReadOnlyList<(OptionSpec Spec, OptionValue Value)> Flags, string Output);

/// <summary>
/// Merges the configuration sources into <see cref="ServerOptions"/>. Precedence, highest first:
/// <b>command-line flags &gt; KMS_* environment variables &gt; the .env file in the working directory &gt;
/// the TOML file &gt; defaults</b>. The TOML file is named by <c>-c/--config</c>, else KMS_CONFIG (environment,
/// then .env). Every error (unknown TOML key with its line, bad value with its source) is a
/// <see cref="ConfigException"/>: the server does not start.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Variable naming the TOML file when -c/--config is absent.</summary>
    public const string ConfigVariable = "KMS_CONFIG";

    /// <summary>Parses the command line with System.CommandLine; help and errors are rendered to <see cref="CommandLineResult.Output"/>.</summary>
    public static CommandLineResult ParseCommandLine(IReadOnlyList<string> args)
    {
        var root = new RootCommand("Kms: a KMIP key management server (KMIP socket on 5696 with mutual TLS, HTTP /kmip and /kmip/2_1 on 9998).\n"
            + "Precedence: flags > KMS_* environment variables > .env file > TOML file > defaults.");
        var config = new Option<string>("--config", "-c") { Description = "TOML configuration file.\n[env: KMS_CONFIG]", HelpName = "FILE" };
        var printDefault = new Option<bool>("--print-default-config") { Description = "Print a commented TOML template with every option and its default, then exit." };
        root.Options.Add(config);
        root.Options.Add(printDefault);
        var options = new List<(OptionSpec, Option)>();
        foreach (var spec in OptionTable.All)
        {
            string description = spec.Description + "\n[env: " + spec.EnvironmentVariable + "]" + (spec.DefaultText is null ? "" : "\n[default: " + spec.DefaultText + "]");
            Option option = spec.Kind switch
            {
                OptionKind.Boolean => new Option<bool>(spec.Flag) { Description = description },
                OptionKind.List => new Option<string[]>(spec.Flag) { Description = description, HelpName = "VALUE" },
                _ => new Option<string>(spec.Flag) { Description = description, HelpName = spec.Kind == OptionKind.Integer ? "N" : "VALUE" },
            };
            root.Options.Add(option);
            options.Add((spec, option));
        }

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
            return new(CommandLineAction.Error, null, [], string.Join(Environment.NewLine, result.Errors.Select(e => e.Message)));
        if (result.Action is System.CommandLine.Help.HelpAction)
        {
            var output = new StringWriter(CultureInfo.InvariantCulture);
            result.Invoke(new InvocationConfiguration { Output = output, Error = output });
            return new(CommandLineAction.Help, null, [], output.ToString());
        }
        if (result.GetValue(printDefault))
            return new(CommandLineAction.PrintDefaultConfig, null, [], DefaultTemplate());

        var flags = new List<(OptionSpec, OptionValue)>();
        foreach (var (spec, option) in options)
        {
            if (result.GetResult(option) is not { Implicit: false }) continue;
            string origin = "command line " + spec.Flag;
            OptionValue value = option switch
            {
                Option<bool> b => new(result.GetValue(b) ? "true" : "false", null, origin),
                Option<string[]> l => new(null, result.GetValue(l) ?? [], origin),
                Option<string> s => new(result.GetValue(s) ?? "", null, origin),
                _ => throw new InvalidOperationException(),
            };
            flags.Add((spec, value));
        }
        return new(CommandLineAction.Run, result.GetValue(config), flags, "");
    }

    /// <summary>Builds the options from every source (see the class summary for the precedence).</summary>
    /// <param name="commandLine">The parsed flags.</param>
    /// <param name="environment">The process environment (only KMS_* names are read).</param>
    /// <param name="workingDirectory">Where the .env file is looked for.</param>
    public static ServerOptions Load(CommandLineResult commandLine, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        string dotEnvPath = Path.Combine(workingDirectory, ".env");
        var dotEnv = File.Exists(dotEnvPath) ? ParseDotEnv(File.ReadAllText(dotEnvPath), dotEnvPath) : [];

        string? configFile = commandLine.ConfigFile
            ?? environment.GetValueOrDefault(ConfigVariable)
            ?? (dotEnv.TryGetValue(ConfigVariable, out var fromDotEnv) ? fromDotEnv.Text : null);
        var options = new ServerOptions();
        if (!string.IsNullOrEmpty(configFile))
        {
            string path = Path.GetFullPath(configFile, workingDirectory);
            if (!File.Exists(path)) throw new ConfigException($"configuration file not found: {path}");
            foreach (var (spec, value) in ReadToml(File.ReadAllText(path), path)) spec.Apply(options, value);
        }
        foreach (var (name, (text, origin)) in dotEnv)
            if (OptionTable.ByEnvironmentVariable(name) is { } spec) spec.Apply(options, new OptionValue(text, null, origin));
        foreach (var (name, text) in environment)
            if (OptionTable.ByEnvironmentVariable(name) is { } spec) spec.Apply(options, new OptionValue(text, null, "environment variable " + name));
        foreach (var (spec, value) in commandLine.Flags) spec.Apply(options, value);
        return options;
    }

    /// <summary>
    /// Reads a TOML document with Tomlyn's syntax model and checks every key against <see cref="OptionTable"/>
    /// (Tomlyn's serializer would silently ignore unknown keys). Lines in messages are 1-based.
    /// </summary>
    public static List<(OptionSpec Spec, OptionValue Value)> ReadToml(string text, string sourceName)
    {
        DocumentSyntax doc = SyntaxParser.Parse(text, sourceName);
        if (doc.HasErrors)
            throw new ConfigException(string.Join(Environment.NewLine, doc.Diagnostics.Select(d => d.ToString())));
        var values = new List<(OptionSpec, OptionValue)>();
        foreach (var kv in doc.KeyValues) values.Add(ReadKeyValue(kv, "", sourceName));
        foreach (var table in doc.Tables)
        {
            int tableLine = table.Span.Start.Line + 1;
            if (table is not TableSyntax || table.Name is null)
                throw new ConfigException($"{sourceName}:{tableLine}: unknown table '{table.Name}' (arrays of tables are not used)");
            string prefix = KeyText(table.Name);
            if (!OptionTable.All.Any(s => s.TomlKey.StartsWith(prefix + ".", StringComparison.Ordinal)))
                throw new ConfigException($"{sourceName}:{tableLine}: unknown table '[{prefix}]'");
            foreach (var kv in table.Items) values.Add(ReadKeyValue(kv, prefix + ".", sourceName));
        }
        return values;
    }

    private static (OptionSpec, OptionValue) ReadKeyValue(KeyValueSyntax kv, string prefix, string sourceName)
    {
        int line = kv.Span.Start.Line + 1;
        string key = prefix + KeyText(kv.Key!);
        var spec = OptionTable.ByTomlKey(key) ?? throw new ConfigException($"{sourceName}:{line}: unknown key '{key}'");
        string origin = $"{sourceName}:{line}";
        OptionValue value = (spec.Kind, kv.Value) switch
        {
            (OptionKind.Text, StringValueSyntax s) => new(s.Value ?? "", null, origin),
            (OptionKind.Integer, IntegerValueSyntax i) => new(i.Value.ToString(CultureInfo.InvariantCulture), null, origin),
            (OptionKind.Boolean, BooleanValueSyntax b) => new(b.Value ? "true" : "false", null, origin),
            (OptionKind.List, ArraySyntax a) => new(null, a.Items.Select(item => item.Value is StringValueSyntax s ? s.Value ?? ""
                : throw new ConfigException($"{origin}: '{key}' expects an array of strings")).ToList(), origin),
            (OptionKind.List, StringValueSyntax s) => new(null, [s.Value ?? ""], origin),
            _ => throw new ConfigException($"{origin}: '{key}' expects {KindText(spec.Kind)}"),
        };
        return (spec, value);
    }

    private static string KindText(OptionKind kind) => kind switch
    {
        OptionKind.Integer => "an integer",
        OptionKind.Boolean => "true or false",
        OptionKind.List => "an array of strings",
        _ => "a string",
    };

    private static string KeyText(KeySyntax key)
    {
        var sb = new StringBuilder(Part(key.Key));
        foreach (var dotted in key.DotKeys) sb.Append('.').Append(Part(dotted.Key));
        return sb.ToString();

        static string Part(BareKeyOrStringValueSyntax? part) => part switch
        {
            BareKeySyntax bare => bare.Key?.Text ?? "",
            StringValueSyntax s => s.Value ?? "",
            _ => "",
        };
    }

    /// <summary>
    /// Parses a .env file: <c>NAME=value</c> lines, <c>#</c> comments, optional <c>export </c>, optional single or
    /// double quotes around the value. No interpolation: a small, predictable format (hence no DotNetEnv dependency).
    /// </summary>
    public static Dictionary<string, (string Text, string Origin)> ParseDotEnv(string text, string sourceName)
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            int eq = line.IndexOf('=');
            if (eq <= 0) throw new ConfigException($"{sourceName}:{i + 1}: expected NAME=value");
            string name = line[..eq].Trim();
            string value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            result[name] = (value, $"{sourceName}:{i + 1}");
        }
        return result;
    }

    /// <summary>A commented TOML template with every option at its default (unset ones commented out).</summary>
    public static string DefaultTemplate()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Kms configuration. Precedence: flags > KMS_* environment variables > .env > this file > defaults.");
        string? section = null;
        foreach (var spec in OptionTable.All)
        {
            int dot = spec.TomlKey.IndexOf('.');
            string? table = dot < 0 ? null : spec.TomlKey[..dot];
            string key = dot < 0 ? spec.TomlKey : spec.TomlKey[(dot + 1)..];
            if (table != section)
            {
                sb.AppendLine().Append('[').Append(table).AppendLine("]");
                section = table;
            }
            sb.AppendLine().Append("# ").AppendLine(spec.Description).Append("# ").Append(spec.Flag).Append(" / ").AppendLine(spec.EnvironmentVariable);
            string literal = spec.Kind switch
            {
                OptionKind.Integer or OptionKind.Boolean => spec.DefaultText ?? "",
                OptionKind.List => "[]",
                _ => "\"" + (spec.DefaultText ?? "") + "\"",
            };
            if (spec.DefaultText is null) sb.Append("# ");
            sb.Append(key).Append(" = ").AppendLine(spec.Kind == OptionKind.Boolean && spec.DefaultText is null ? "false" : literal);
        }
        return sb.ToString();
    }
}

using System.Collections;
using Kms.Server;
using Kms.Server.Configuration;

var commandLine = ConfigLoader.ParseCommandLine(args);
switch (commandLine.Action)
{
    case CommandLineAction.Help:
    case CommandLineAction.PrintDefaultConfig:
        Console.Out.Write(commandLine.Output);
        return 0;
    case CommandLineAction.Error:
        Console.Error.WriteLine(commandLine.Output);
        Console.Error.WriteLine("Try --help.");
        return 2;
}

try
{
    var environment = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        if (e.Key is string name && name.StartsWith("KMS_", StringComparison.Ordinal) && e.Value is string value) environment[name] = value;
    var options = ConfigLoader.Load(commandLine, environment, Directory.GetCurrentDirectory());
    var server = KmsServer.Create(options);
    await server.RunAsync();
    return 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine("configuration error: " + e.Message);
    return 1;
}

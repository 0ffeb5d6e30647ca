// The server host arrives with issue 5 (Kms.Server). Until then this entry point only reports that.
Console.Error.WriteLine("Kms.Server: the host is not built yet (issue 5).");
return 2;

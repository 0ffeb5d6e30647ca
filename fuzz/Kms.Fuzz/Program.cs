// Fuzz harnesses arrive with the wire-core fuzzing work (issue 2).
Console.Error.WriteLine("usage: Kms.Fuzz <target> (no targets yet)");
return 2;

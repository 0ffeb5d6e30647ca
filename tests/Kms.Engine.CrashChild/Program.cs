using System.Security.Cryptography;
using System.Text;
using Kms.Engine.CrashChild;
using Kms.Engine.Storage;

// Usage: Kms.Engine.CrashChild <dataDir> <masterKeyFile> <cycle> <workers>
// Prints "READY;" once the store is open, then one line per acknowledged change, each ending in ';'
// (a line cut by the kill has no ';' and is ignored by the test):
//   C <id> <version>;  U <id> <version>;  D <id>;  P <idA> <idB>;  (P = a two-record commit)
//   I <id>;  (printed before a delete is attempted: the delete may then be durable without its "D")
// Bodies are derived from (id, version) by CrashBodies.Body, so the test can check any surviving record.
if (args.Length != 4) { Console.Error.WriteLine("usage: <dataDir> <masterKeyFile> <cycle> <workers>"); return 2; }
string dataDir = args[0], keyFile = args[1];
int cycle = int.Parse(args[2]), workers = int.Parse(args[3]);

var store = FasterObjectStore.Open(new FasterStoreOptions
{
    DataDirectory = dataDir, MasterKeyFile = keyFile, CheckpointEveryCommits = 300,
    IndexBuckets = 1 << 12, KvMemoryBytes = 1 << 22, LogSegmentBytes = 1 << 22, PageBytes = 1 << 20,
});
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var gate = new object();
void Ack(string line) { lock (gate) stdout.Write(line + ";\n"); }
Ack("READY");

var threads = new List<Thread>();
for (int w = 0; w < workers; w++)
{
    int worker = w;
    var t = new Thread(() =>
    {
        var rng = new Random(cycle * 1000 + worker);
        for (int n = 0; ; n++)
        {
            string id = $"c{cycle}-w{worker}-{n}";
            string[] terms = [$"cycle={cycle}", $"worker={worker}", "crash"];
            if (store.Commit([new ObjectWrite(id, 0, CrashBodies.Body(id, 1), terms)]) != CommitStatus.Committed) throw new InvalidOperationException("create conflict");
            Ack($"C {id} 1");
            long version = 1;
            int updates = rng.Next(0, 3);
            for (int u = 0; u < updates; u++)
            {
                if (store.Commit([new ObjectWrite(id, version, CrashBodies.Body(id, version + 1), [.. terms, $"v={version + 1}"])]) != CommitStatus.Committed) throw new InvalidOperationException("update conflict");
                version++;
                Ack($"U {id} {version}");
            }
            if (rng.Next(4) == 0)
            {
                Ack($"I {id}"); // intent: a delete of id may be durable even if its "D" never arrives
                if (store.Commit([new ObjectWrite(id, version, null, [])]) != CommitStatus.Committed) throw new InvalidOperationException("delete conflict");
                Ack($"D {id}");
            }
            if (rng.Next(3) == 0)
            {
                string a = id + "-pa", b = id + "-pb";
                if (store.Commit([new ObjectWrite(a, 0, CrashBodies.Body(a, 1), ["pair"]), new ObjectWrite(b, 0, CrashBodies.Body(b, 1), ["pair"])]) != CommitStatus.Committed) throw new InvalidOperationException("pair conflict");
                Ack($"P {a} {b}");
            }
        }
    }) { IsBackground = true };
    threads.Add(t);
    t.Start();
}
threads.ForEach(t => t.Join());
return 0;

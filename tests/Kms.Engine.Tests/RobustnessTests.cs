using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class RobustnessTests : IDisposable
{
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    /// <summary>Mutated requests (byte flips, truncations, inserted bytes) always get a well-formed Response Message.</summary>
    [Fact]
    public void Mutated_requests_always_get_a_response_message()
    {
        var id = _t.Ok(Operation.Create, Req.CreateAes(256, Req.Name("m"), Req.Tags("t"))).Find(Tag.UniqueIdentifier)!.Text;
        var seeds = new[]
        {
            Req.Message(Req.V2, [(Operation.Get, Req.Payload(Req.Id(id))), (Operation.GetAttributes, Req.Payload(Req.Id(id)))]),
            Req.Message(Req.V1, [(Operation.Create, Req.CreateAes1(128, Req.Attr1("Name", Req.Name("x"))))]),
            Req.Message(Req.V2, [(Operation.Locate, Req.Payload(TtlvElement.Integer(Tag.MaximumItems, 3), Req.Attrs(Req.Tags("t"), Req.Name("m"))))]),
            Req.Message(Req.V2, [(Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.ObjectGroup, "g"))))],
                TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Undo)),
            Req.Message(Req.V1, [(Operation.ModifyAttribute, Req.Payload(Req.Id(id), Req.Attr1("Name", Req.Name("y"), 0)))]),
        };
        var random = new Random(1234);
        int responses = 0;
        foreach (var seed in seeds)
        {
            var bytes = seed.ToBytes();
            for (int i = 0; i < 300; i++)
            {
                var mutated = Mutate(bytes, random);
                var response = _t.SendRaw(mutated);
                Assert.Equal(Tag.ResponseMessage, response.Tag);
                Assert.NotEmpty(response.FindAll(Tag.BatchItem));
                responses++;
            }
        }
        Assert.Equal(seeds.Length * 300, responses);
    }

    private static byte[] Mutate(byte[] input, Random random)
    {
        var b = (byte[])input.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int k = 0; k < 1 + random.Next(4); k++) b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
                return b;
            case 1:
                return b[..random.Next(b.Length)];
            case 2:
                // Change a type byte (offset 3 of an 8-aligned header) to another valid type.
                int at = random.Next(b.Length / 8) * 8 + 3;
                b[at] = (byte)(1 + random.Next(11));
                return b;
            default:
                int pos = random.Next(b.Length);
                b[pos] = (byte)random.Next(256);
                return b;
        }
    }

    [Fact]
    public void Oversized_text_values_are_stored_and_located_through_hashed_terms()
    {
        var longName = new string('n', 5000);
        var id = _t.Ok(Operation.Create, Req.CreateAes(256, Req.Name(longName))).Find(Tag.UniqueIdentifier)!.Text;
        var found = _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Name(longName))));
        Assert.Equal(id, found.Find(Tag.UniqueIdentifier)!.Text);
        Assert.Null(_t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Name(longName + "x")))).Find(Tag.UniqueIdentifier));
    }
}

using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

public sealed class TermIndexTests
{
    [Fact]
    public void Postings_grow_past_the_small_array_and_shrink_back()
    {
        var index = new TermIndex();
        for (int i = 0; i < 40; i++)
            index.Put($"id{i}", 1, i, i % 2 == 0 ? ["t", "even"] : ["t"]);
        Assert.Equal(40, index.Find(["t"]).Count);
        Assert.Equal("id39", index.Find(["t"])[0]);
        Assert.Equal(20, index.Find(["even", "t"]).Count);

        for (int i = 0; i < 35; i++) index.Remove($"id{i}");
        Assert.Equal(["id39", "id38", "id37", "id36", "id35"], index.Find(["t"]));
        Assert.Equal(["id38", "id36"], index.Find(["t", "even"]));
        Assert.Equal(5, index.Count);

        // Changing terms moves the id between postings; emptied terms disappear.
        index.Put("id36", 2, 36, ["other"]);
        Assert.Equal(["id38"], index.Find(["even"]));
        Assert.Equal(["id36"], index.Find(["other"]));
        index.Remove("id36");
        Assert.Empty(index.Find(["other"]));
        Assert.True(index.TryGet("id38", out var e) && e.Version == 1);
    }
}

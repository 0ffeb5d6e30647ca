using System.Globalization;
using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Locate (KMIP 2.1 §6.1.28; 1.4 §4.9). Every attribute given must match (AND):
/// <list type="bullet">
/// <item>two instances of a date attribute form an inclusive range, one instance means that exact date;</item>
/// <item>Cryptographic Usage Mask matches when (object &amp; requested) == requested;</item>
/// <item>State compares with the state the dates give now;</item>
/// <item>a structure (Name, Link, Cryptographic Parameters, vendor attribute …) matches an instance that has
/// every field given; several instances of one attribute must all be present;</item>
/// <item>the user-tag vendor attribute (a JSON array) matches objects holding every tag (user or system).</item>
/// </list>
/// Storage Status Mask (default On-line) gates archived objects (Archival Storage) and destroyed ones
/// (2.x Destroyed Storage; otherwise only when State asks for a destroyed state). Results are newest first;
/// Offset Items skips, Maximum Items (when positive) caps; Located Items (1.3+, sent when Offset Items was
/// given) counts all matches.
/// The caller sees only objects it owns or holds a Locate grant on (directly or via "*"). The selective
/// part (owner/grant, type, name, algorithm, length, group, links, tags, text vendor values) goes through
/// the store's index; the rest is filtered on the candidates. Sets the ID Placeholder when exactly one
/// object is found, empties it otherwise.
/// </summary>
internal sealed class LocateOperation : IKmipOperation
{
    public Operation Operation => Operation.Locate;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        int? maxItems = payload.Find(Tag.MaximumItems) is { Type: ItemType.Integer } mi ? mi.Int32 : null;
        var offsetItems = payload.Find(Tag.OffsetItems);
        int offset = offsetItems is { Type: ItemType.Integer } oi ? oi.Int32 : 0;
        // Located Items (1.3+) is returned when the client pages with Offset Items (the OASIS cases omit it otherwise).
        bool withCount = offsetItems is not null;
        if (maxItems < 0 || offset < 0) throw KmipFault.Invalid("Maximum Items and Offset Items must not be negative");
        var mask = payload.Find(Tag.StorageStatusMask) is { Type: ItemType.Integer } sm ? (StorageStatusMask)(uint)sm.Int32 : StorageStatusMask.OnLineStorage;

        var criteria = new Dictionary<AttributeKey, List<TtlvElement>>();
        var requiredTags = new List<string>();
        foreach (var (value, _) in AttributeCodec.ReadAttributes(payload, ctx.Version))
        {
            if (AttributeCodec.IsTagAttribute(value))
            {
                requiredTags.AddRange(AttributeCodec.ParseTags(value, allowSystem: true));
                continue;
            }
            var key = AttributeKey.Of(value);
            if (!criteria.TryGetValue(key, out var list)) criteria[key] = list = [];
            list.Add(value);
        }
        foreach (var (key, values) in criteria)
        {
            if (AttributeRules.IsDate(key.Tag) && values.Count > 2) throw KmipFault.Invalid("At most two instances of a date attribute");
        }

        var terms = SelectiveTerms(criteria, requiredTags, out bool covered);
        var user = ctx.Caller.User;
        string[] scopes = [ObjectCodec.Term("owner=", user), ObjectCodec.Term("perm=", user + ":" + Permission.Locate), ObjectCodec.Term("perm=", AccessControl.Everyone + ":" + Permission.Locate)];

        // Index-only path: when the terms decide every criterion and only on-line objects are wanted, the
        // result is the index's (newest-first) list; nothing is loaded but the page's ids.
        if (covered && mask == StorageStatusMask.OnLineStorage)
        {
            List<string>? only = null;
            int nonEmpty = 0;
            foreach (var scope in scopes)
            {
                var ids = ctx.Work.FindByTerms([.. terms, scope, ObjectCodec.OnlineTerm]);
                if (ids.Count == 0) continue;
                nonEmpty++;
                only = ids;
            }
            if (nonEmpty <= 1) return Respond(ctx, only ?? [], offset, maxItems, withCount);
        }

        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            foreach (var id in ctx.Work.FindByTerms([.. terms, scope])) candidates.Add(id);
        }

        bool wantsDestroyed = criteria.TryGetValue(new AttributeKey(Tag.State, null, null), out var st)
            && st.Exists(s => (State)s.UInt32 is State.Destroyed or State.DestroyedCompromised);
        var matches = new List<ManagedObject>();
        foreach (var id in candidates)
        {
            if (!ctx.Work.TryLoad(id, out var obj)) continue;
            if (!AccessControl.MayAct(obj, user, Permission.Locate)) continue;
            Lifecycle.Refresh(obj, ctx.Now);
            if (!InStorage(obj, mask, wantsDestroyed, ctx.Is1x)) continue;
            if (!MatchesAll(obj, criteria, requiredTags)) continue;
            matches.Add(obj);
        }
        // Newest first; objects created earlier in this batch (not yet stored, Version 0) are the newest.
        matches.Sort(static (a, b) => Order(b).CompareTo(Order(a)));

        return Respond(ctx, matches.ConvertAll(m => m.Id), offset, maxItems, withCount);
    }

    private static TtlvElement Respond(OperationContext ctx, List<string> matches, int offset, int? maxItems, bool withCount)
    {
        var response = TtlvElement.Structure(Tag.ResponsePayload);
        if (withCount && AttributeRules.ExistsIn(Tag.LocatedItems, ctx.Version)) response.Children.Add(TtlvElement.Integer(Tag.LocatedItems, matches.Count));
        int taken = 0;
        for (int i = offset; i < matches.Count; i++)
        {
            if (maxItems is > 0 && taken >= maxItems) break;
            response.Children.Add(TtlvElement.TextString(Tag.UniqueIdentifier, matches[i]));
            taken++;
        }
        ctx.Batch.IdPlaceholder = taken == 1 ? response.Children[^1].Text : null;
        return response;
    }

    private static long Order(ManagedObject o) => o.Version == 0 ? long.MaxValue : o.Sequence;

    /// <summary>
    /// The index terms of the criteria; <paramref name="covered"/> is true when the terms alone decide a match
    /// (every criterion has an exact term), so no object needs to be loaded to filter.
    /// </summary>
    private static List<string> SelectiveTerms(Dictionary<AttributeKey, List<TtlvElement>> criteria, List<string> tags, out bool covered)
    {
        var terms = new List<string>();
        covered = true;
        foreach (var t in tags) terms.Add(ObjectCodec.Term("tag=", t));
        foreach (var (key, values) in criteria)
        {
            foreach (var v in values)
            {
                var term = TermOf(key, v, out bool exact);
                if (term is not null) terms.Add(term);
                covered &= exact;
            }
        }
        return terms;
    }

    /// <summary>The index term of one criterion value, and whether that term is an exact test of the criterion.</summary>
    private static string? TermOf(AttributeKey key, TtlvElement v, out bool exact)
    {
        exact = false;
        switch (key.Tag)
        {
            case Tag.ObjectType when v.Type == ItemType.Enumeration:
                exact = true;
                return "type=" + (ObjectType)v.UInt32;
            case Tag.CryptographicAlgorithm when v.Type == ItemType.Enumeration:
                exact = true;
                return "alg=" + v.UInt32.ToString(CultureInfo.InvariantCulture);
            case Tag.CryptographicLength when v.Type == ItemType.Integer:
                exact = true;
                return "len=" + v.Int32.ToString(CultureInfo.InvariantCulture);
            case Tag.ObjectGroup when v.Type == ItemType.TextString:
                exact = true;
                return ObjectCodec.Term("group=", v.Text);
            case Tag.Name when v.Find(Tag.NameValue) is { Type: ItemType.TextString } n:
                if (v.Find(Tag.NameType) is { Type: ItemType.Enumeration } nt)
                {
                    exact = v.Children.Count == 2;
                    return ObjectCodec.Term("namet=" + nt.UInt32.ToString(CultureInfo.InvariantCulture) + ":", n.Text);
                }
                exact = v.Children.Count == 1;
                return ObjectCodec.Term("name=", n.Text);
            case Tag.Link when v.Find(Tag.LinkedObjectIdentifier) is { Type: ItemType.TextString } id:
                if (v.Find(Tag.LinkType) is { Type: ItemType.Enumeration } lt)
                {
                    exact = v.Children.Count == 2;
                    return ObjectCodec.Term("linkt=" + lt.UInt32.ToString(CultureInfo.InvariantCulture) + ":", id.Text);
                }
                exact = v.Children.Count == 1;
                return ObjectCodec.Term("link=", id.Text);
            case Tag.Attribute:
                if (v.Find(Tag.AttributeValue) is { Type: ItemType.TextString } tv)
                {
                    exact = v.Children.Count == 3;
                    return ObjectCodec.Term("vval=", key.Vendor + ":" + key.Name + "=" + tv.Text);
                }
                return ObjectCodec.Term("vattr=", key.Vendor + ":" + key.Name);
            default:
                return null;
        }
    }

    private static bool InStorage(ManagedObject obj, StorageStatusMask mask, bool wantsDestroyed, bool is1x)
    {
        if (obj.IsDestroyed)
            return wantsDestroyed || (!is1x && (mask & StorageStatusMask.DestroyedStorage) != 0);
        if (obj.Archived) return (mask & StorageStatusMask.ArchivalStorage) != 0;
        return (mask & StorageStatusMask.OnLineStorage) != 0;
    }

    private static bool MatchesAll(ManagedObject obj, Dictionary<AttributeKey, List<TtlvElement>> criteria, List<string> tags)
    {
        foreach (var t in tags)
        {
            if (!obj.HasTag(t)) return false;
        }
        foreach (var (key, values) in criteria)
        {
            if (!Matches(obj, key, values)) return false;
        }
        return true;
    }

    private static bool Matches(ManagedObject obj, AttributeKey key, List<TtlvElement> requested)
    {
        if (key.Tag == Tag.State)
        {
            var state = (uint)obj.StoredState;
            foreach (var r in requested) if (r.UInt32 != state) return false;
            return true;
        }
        if (key.Tag == Tag.CryptographicUsageMask)
        {
            uint have = (uint)obj.UsageMask;
            foreach (var r in requested) if ((have & (uint)r.Int32) != (uint)r.Int32) return false;
            return obj.Get(Tag.CryptographicUsageMask) is not null;
        }
        var instances = obj.All(key).ToList();
        if (instances.Count == 0) return false;
        if (AttributeRules.IsDate(key.Tag) && requested.Count == 2)
        {
            long lo = Math.Min(requested[0].Number, requested[1].Number), hi = Math.Max(requested[0].Number, requested[1].Number);
            return instances.Exists(i => i.Value.Number >= lo && i.Value.Number <= hi);
        }
        foreach (var r in requested)
        {
            if (!instances.Exists(i => SubsetMatch(r, i.Value))) return false;
        }
        return true;
    }

    /// <summary>A requested value matches a stored one when equal, or, for structures, when every requested field matches a stored field.</summary>
    private static bool SubsetMatch(TtlvElement requested, TtlvElement stored)
    {
        if (requested.Type != stored.Type) return false;
        if (requested.Type != ItemType.Structure) return requested.WithTag(stored.Tag).DeepEquals(stored);
        foreach (var c in requested.Children)
        {
            bool found = false;
            foreach (var s in stored.Children)
            {
                if (s.Tag == c.Tag && SubsetMatch(c, s)) { found = true; break; }
            }
            if (!found) return false;
        }
        return true;
    }
}

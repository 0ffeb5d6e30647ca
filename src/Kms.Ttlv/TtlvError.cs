namespace Kms.Ttlv;

/// <summary>Why a TTLV input was refused. <see cref="None"/> means no error.</summary>
public enum TtlvError : byte
{
    None = 0,
    /// <summary>The input ended inside an item header or value.</summary>
    Truncated,
    /// <summary>The tag is outside 0x420001–0x42FFFF and 0x540000–0x54FFFF.</summary>
    InvalidTag,
    /// <summary>The item type byte is not 0x01–0x0B.</summary>
    InvalidType,
    /// <summary>A fixed-length type has the wrong length, or a Big Integer's is not a multiple of 8.</summary>
    InvalidLength,
    /// <summary>An item (with its padding) runs past the end of its enclosing structure.</summary>
    LengthOverflow,
    /// <summary>A padding byte is not zero.</summary>
    InvalidPadding,
    /// <summary>A Boolean is not 0 or 1.</summary>
    InvalidBoolean,
    /// <summary>A Text String is not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>Structures nest deeper than the configured maximum.</summary>
    DepthExceeded,
    /// <summary>The message is larger than the configured maximum.</summary>
    MessageTooLarge,
    /// <summary>Bytes follow the top-level item.</summary>
    TrailingData,
    /// <summary>The top-level item is not a Structure.</summary>
    NotAStructure,
    /// <summary>A value was read with an accessor for another type.</summary>
    WrongType,
}

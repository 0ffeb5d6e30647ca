namespace Kms.Ttlv;

/// <summary>TTLV item type byte (KMIP 2.1 §11.23 Table 458; codes 0x01–0x0A identical in 1.x §9.1.1.2).</summary>
public enum ItemType : byte
{
    /// <summary>Not a valid item type.</summary>
    None = 0,
    Structure = 0x01,
    Integer = 0x02,
    LongInteger = 0x03,
    BigInteger = 0x04,
    Enumeration = 0x05,
    Boolean = 0x06,
    TextString = 0x07,
    ByteString = 0x08,
    DateTime = 0x09,
    Interval = 0x0A,
    /// <summary>KMIP 2.0+ only.</summary>
    DateTimeExtended = 0x0B,
}

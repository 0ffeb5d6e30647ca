namespace Kms.Engine;

/// <summary>What a transport must do after <see cref="KmsEngine.Process"/> has written its response.</summary>
public enum MessageOutcome
{
    /// <summary>The message was well-formed TTLV; the stream is in sync and the connection may go on.</summary>
    Answered,
    /// <summary>
    /// The message was not valid TTLV (a codec error): it got an Invalid Message response, and a socket should
    /// close after sending it, since later requests might not be correctly separated (KMIP 2.1 Table 478, Codec Error).
    /// </summary>
    CodecError,
}

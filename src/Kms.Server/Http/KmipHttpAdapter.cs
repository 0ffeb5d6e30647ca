using System.Buffers;
using System.Text;
using System.Text.Json;
using Kms.Engine;
using Kms.Server.Configuration;
using Kms.Server.Socket;
using Kms.Ttlv;
using Kms.Ttlv.Framing;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;
using Microsoft.AspNetCore.Http;

namespace Kms.Server.Http;

/// <summary>
/// POST /kmip and POST /kmip/2_1: transcodes at the edge (JSON or XML → TTLV bytes), calls the same engine
/// entry as the socket with one whole binary RequestMessage, and transcodes the ResponseMessage back.
/// Bodies are bounded by <c>limits.max_body_size</c> (Kestrel refuses larger ones with 413) and cleared after
/// use because they may carry key material.
/// </summary>
public sealed class KmipHttpAdapter(IKmipProcessor engine, HttpAuthentication authentication, ServerOptions options)
{
    private readonly TtlvLimits _limits = options.Limits.Ttlv;

    /// <summary>POST /kmip: binary TTLV (application/octet-stream), JSON TTLV (application/json) or XML (text/xml).</summary>
    public async Task HandleKmipAsync(HttpContext context)
    {
        var caller = await authentication.AuthenticateAsync(context);
        if (caller is null) { await Unauthorized(context); return; }
        byte[] body = await ReadBodyAsync(context);
        try
        {
            string mediaType = MediaType(context.Request.ContentType);
            switch (mediaType)
            {
                case "application/json":
                {
                    if (!KmipJson.TryParse(body, out var request, out var error, _limits)) { await BadRequest(context, error); return; }
                    var response = await ProcessTreeAsync(request, caller);
                    if (response is null) { await BadRequest(context, "the request is larger than limits.max_message_size"); return; }
                    await WriteText(context, KmipJson.Serialize(response), "application/json");
                    return;
                }
                case "text/xml" or "application/xml":
                {
                    if (!KmipXml.TryParse(body, out var request, out var error, _limits)) { await BadRequest(context, error); return; }
                    var response = await ProcessTreeAsync(request, caller);
                    if (response is null) { await BadRequest(context, "the request is larger than limits.max_message_size"); return; }
                    await WriteText(context, KmipXml.Serialize(response, indent: false), mediaType);
                    return;
                }
                case "application/octet-stream" or "":
                {
                    var output = new ArrayBufferWriter<byte>(1024);
                    // One whole message, exactly: the same framing rule as the socket.
                    if (body.Length < TtlvFramer.HeaderSize || TtlvFramer.CheckHeader(body, _limits, out int total) != FramingError.None || total != body.Length)
                        InvalidMessageResponse.Write(output, "the body is not one whole TTLV message");
                    else
                        await engine.ProcessAsync(body, output, caller);
                    context.Response.ContentType = "application/octet-stream";
                    await context.Response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted);
                    return;
                }
                default:
                    context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                    await context.Response.WriteAsync("use application/octet-stream, application/json or text/xml", context.RequestAborted);
                    return;
            }
        }
        finally
        {
            body.AsSpan().Clear();
        }
    }

    /// <summary>
    /// POST /kmip/2_1: JSON TTLV. A bare operation (<c>{"tag":"Create",...}</c>) is wrapped into a KMIP 2.1
    /// RequestMessage with one Batch Item; on success the answer is the bare response
    /// (<c>{"tag":"CreateResponse",...}</c>), on failure an HTTP error with a JSON body naming the Result Status,
    /// Reason and Message. A whole RequestMessage gets the whole ResponseMessage.
    /// </summary>
    public async Task HandleKmip21Async(HttpContext context)
    {
        var caller = await authentication.AuthenticateAsync(context);
        if (caller is null) { await Unauthorized(context); return; }
        byte[] body = await ReadBodyAsync(context);
        try
        {
            if (!KmipJson.TryParseRequest(body, out var request, out var operation, out var error, _limits)) { await BadRequest(context, error); return; }
            if (operation is not { } op)
            {
                var whole = await ProcessTreeAsync(request, caller);
                if (whole is null) { await BadRequest(context, "the request is larger than limits.max_message_size"); return; }
                await WriteText(context, KmipJson.Serialize(whole), "application/json");
                return;
            }
            var message = TtlvElement.Structure(Tag.RequestMessage,
                TtlvElement.Structure(Tag.RequestHeader,
                    TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 2), TtlvElement.Integer(Tag.ProtocolVersionMinor, 1)),
                    TtlvElement.Integer(Tag.BatchCount, 1)),
                TtlvElement.Structure(Tag.BatchItem, TtlvElement.Enumeration(Tag.Operation, op), request));
            var response = await ProcessTreeAsync(message, caller);
            if (response is null) { await BadRequest(context, "the request is larger than limits.max_message_size"); return; }
            var item = response.Find(Tag.BatchItem);
            var status = item?.Find(Tag.ResultStatus) is { } s ? (ResultStatus)s.UInt32 : ResultStatus.OperationFailed;
            if (item is not null && status == ResultStatus.Success)
            {
                var output = new ArrayBufferWriter<byte>(1024);
                using (var writer = new Utf8JsonWriter(output)) KmipJson.WriteBareOperationResponse(writer, op, item.Find(Tag.ResponsePayload) ?? TtlvElement.Structure(Tag.ResponsePayload));
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted);
                return;
            }
            var reason = item?.Find(Tag.ResultReason) is { } r ? (ResultReason?)r.UInt32 : null;
            context.Response.StatusCode = reason switch
            {
                ResultReason.ItemNotFound or ResultReason.ObjectNotFound => StatusCodes.Status404NotFound,
                ResultReason.PermissionDenied => StatusCodes.Status403Forbidden,
                ResultReason.GeneralFailure => StatusCodes.Status500InternalServerError,
                _ => StatusCodes.Status422UnprocessableEntity,
            };
            await context.Response.WriteAsJsonAsync(new KmipErrorBody(
                status.ToString(), reason?.ToString(), item?.Find(Tag.ResultMessage)?.Text), context.RequestAborted);
        }
        finally
        {
            body.AsSpan().Clear();
        }
    }

    /// <summary>Encodes, processes and decodes one message; null when the encoding exceeds the message size limit.</summary>
    private async ValueTask<TtlvElement?> ProcessTreeAsync(TtlvElement request, CallerIdentity caller)
    {
        byte[] bytes = request.ToBytes();
        try
        {
            if (bytes.Length > _limits.MaxMessageSize) return null;
            var output = new ArrayBufferWriter<byte>(1024);
            await engine.ProcessAsync(bytes, output, caller);
            return TtlvElement.Decode(output.WrittenSpan);
        }
        finally
        {
            bytes.AsSpan().Clear();
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        byte[] body = buffer.ToArray();
        buffer.GetBuffer().AsSpan().Clear();
        return body;
    }

    private static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return "";
        int semicolon = contentType.IndexOf(';');
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }

    private static Task WriteText(HttpContext context, string text, string mediaType)
    {
        context.Response.ContentType = mediaType + "; charset=utf-8";
        return context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted).AsTask();
    }

    private static Task BadRequest(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return context.Response.WriteAsJsonAsync(new KmipErrorBody("InvalidMessage", null, message), context.RequestAborted);
    }

    internal static Task Unauthorized(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

/// <summary>The JSON body of a failed /kmip/2_1 call or of a request that cannot be parsed.</summary>
public sealed record KmipErrorBody(string ResultStatus, string? ResultReason, string? ResultMessage);

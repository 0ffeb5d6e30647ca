using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Kms.Server.Socket;

namespace Kms.Server.Http;

/// <summary>The HTTP endpoints: thin adapters over the same engine entry as the socket.</summary>
public static class KmsEndpoints
{
    /// <summary>Maps every endpoint on <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/version", () => Results.Text(KmsServer.Version));
        // Liveness (the process answers) plus readiness (the store answers a probe).
        app.MapGet("/health", (EngineProcessor engine) => engine.Engine.IsHealthy()
            ? Results.Json(new HealthStatus("ok", "ok"))
            : Results.Json(new HealthStatus("degraded", "unavailable"), statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/kmip", (HttpContext context, KmipHttpAdapter adapter) => adapter.HandleKmipAsync(context));
        app.MapPost("/kmip/2_1", (HttpContext context, KmipHttpAdapter adapter) => adapter.HandleKmip21Async(context));
        AccessEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        app.MapGet("/", () => Results.Redirect("/ui"));
        app.MapGet("/ui", () => Results.Content(UiPlaceholder, "text/html; charset=utf-8"));
        app.MapGet("/ui/{**rest}", () => Results.Content(UiPlaceholder, "text/html; charset=utf-8"));
    }

    private const string UiPlaceholder = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Kms</title></head>
        <body><h1>Kms</h1><p>The web UI is not built yet. The KMIP API is served on <code>POST /kmip</code> and <code>POST /kmip/2_1</code>.</p></body></html>
        """;
}

/// <summary>The body of GET /health.</summary>
public sealed record HealthStatus(string Status, string Store);

using Kms.Engine;
using Kms.Engine.Access;
using Kms.Server.Socket;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kms.Server.Http;

/// <summary>
/// The access-rights endpoints (Cosmian KMS JSON shapes), thin wrappers over <see cref="KmsEngine.Access"/>:
/// POST /access/grant and /access/revoke with <c>{"unique_identifier","user_id","operation_types":[...]}</c>,
/// GET /access/list/{id}, GET /access/owned, GET /access/obtained.
/// </summary>
public static class AccessEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/access/grant", (HttpContext c, AccessRequest body, EngineProcessor e, HttpAuthentication a) => Change(c, body, e, a, grant: true));
        app.MapPost("/access/revoke", (HttpContext c, AccessRequest body, EngineProcessor e, HttpAuthentication a) => Change(c, body, e, a, grant: false));
        app.MapGet("/access/list/{id}", async (HttpContext c, string id, EngineProcessor e, HttpAuthentication a) =>
        {
            if (await a.AuthenticateAsync(c) is not { } caller) return Results.Unauthorized();
            var status = e.Engine.Access.ListByObject(caller, id, out var grants);
            return status == AccessStatus.Ok
                ? Results.Json(grants.Select(g => new UserAccess(g.User, g.Permissions.Select(PermissionName).ToList())).ToList())
                : Failure(status);
        });
        app.MapGet("/access/owned", async (HttpContext c, EngineProcessor e, HttpAuthentication a) =>
        {
            if (await a.AuthenticateAsync(c) is not { } caller) return Results.Unauthorized();
            return Results.Json(e.Engine.Access.Owned(caller)
                .Select(o => new OwnedAccess(o.Id, o.ObjectType.ToString(), o.State.ToString(), o.Tags)).ToList());
        });
        app.MapGet("/access/obtained", async (HttpContext c, EngineProcessor e, HttpAuthentication a) =>
        {
            if (await a.AuthenticateAsync(c) is not { } caller) return Results.Unauthorized();
            return Results.Json(e.Engine.Access.Obtained(caller)
                .Select(o => new ObtainedAccess(o.Id, o.Owner, o.ObjectType.ToString(), o.State.ToString(), o.Permissions.Select(PermissionName).ToList())).ToList());
        });
    }

    private static async Task<IResult> Change(HttpContext context, AccessRequest body, EngineProcessor engine, HttpAuthentication authentication, bool grant)
    {
        if (await authentication.AuthenticateAsync(context) is not { } caller) return Results.Unauthorized();
        if (body.UniqueIdentifier is null || body.UserId is null || body.OperationTypes is null)
            return Results.BadRequest(new AccessMessage("unique_identifier, user_id and operation_types are required"));
        var permissions = new List<Permission>();
        foreach (string name in body.OperationTypes)
        {
            if (!PermissionNames.TryParse(name, out var p)) return Results.BadRequest(new AccessMessage($"unknown operation type '{name}'"));
            permissions.Add(p);
        }
        var status = grant
            ? engine.Engine.Access.Grant(caller, body.UniqueIdentifier, body.UserId, permissions)
            : engine.Engine.Access.Revoke(caller, body.UniqueIdentifier, body.UserId, permissions);
        return status == AccessStatus.Ok
            ? Results.Json(new AccessMessage(grant ? $"Access for {body.UserId} successfully added" : $"Access for {body.UserId} successfully deleted"))
            : Failure(status);
    }

    private static IResult Failure(AccessStatus status) => status switch
    {
        AccessStatus.NotFound => Results.NotFound(new AccessMessage("object not found")),
        AccessStatus.Denied => Results.Json(new AccessMessage("only the owner may do this"), statusCode: StatusCodes.Status403Forbidden),
        _ => Results.BadRequest(new AccessMessage("invalid request")),
    };

    private static string PermissionName(Permission p) => p.ToString().ToLowerInvariant();
}

/// <summary>Body of POST /access/grant and /access/revoke.</summary>
public sealed record AccessRequest(
    [property: System.Text.Json.Serialization.JsonPropertyName("unique_identifier")] string? UniqueIdentifier,
    [property: System.Text.Json.Serialization.JsonPropertyName("user_id")] string? UserId,
    [property: System.Text.Json.Serialization.JsonPropertyName("operation_types")] List<string>? OperationTypes);

/// <summary>A result message.</summary>
public sealed record AccessMessage([property: System.Text.Json.Serialization.JsonPropertyName("success")] string Message);

/// <summary>One user's permissions on an object.</summary>
public sealed record UserAccess(
    [property: System.Text.Json.Serialization.JsonPropertyName("user_id")] string UserId,
    [property: System.Text.Json.Serialization.JsonPropertyName("operations")] List<string> Operations);

/// <summary>An object the caller owns.</summary>
public sealed record OwnedAccess(
    [property: System.Text.Json.Serialization.JsonPropertyName("object_id")] string ObjectId,
    [property: System.Text.Json.Serialization.JsonPropertyName("object_type")] string ObjectType,
    [property: System.Text.Json.Serialization.JsonPropertyName("state")] string State,
    [property: System.Text.Json.Serialization.JsonPropertyName("tags")] IReadOnlyList<string> Tags);

/// <summary>An object owned by someone else on which the caller holds grants.</summary>
public sealed record ObtainedAccess(
    [property: System.Text.Json.Serialization.JsonPropertyName("object_id")] string ObjectId,
    [property: System.Text.Json.Serialization.JsonPropertyName("owner_id")] string OwnerId,
    [property: System.Text.Json.Serialization.JsonPropertyName("object_type")] string ObjectType,
    [property: System.Text.Json.Serialization.JsonPropertyName("state")] string State,
    [property: System.Text.Json.Serialization.JsonPropertyName("operations")] List<string> Operations);

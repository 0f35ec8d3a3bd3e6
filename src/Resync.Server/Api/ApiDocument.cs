using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Resync.Server.Api;

/// <summary>
/// The API's OpenAPI document (<c>/openapi/v1.json</c>): its title, the two ways to send an API key, and which operations
/// need one; and the API reference page (<c>/reference</c>, Scalar) that reads it. Both are open to callers without a key,
/// like <c>/health</c>: they describe the API, they hold no tenant's data.
/// </summary>
internal static class ApiDocument
{
    public const string Title = "Resync API";
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";
    private const string DocumentName = "v1";
    private const string DocumentRoute = "/openapi/{documentName}.json";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = Title,
                    Version = DocumentName,
                    Description = "Links, runs, recovery and push of a Resync server. Every /api/v1 call takes an API key (`resync keys create`).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Auth.ApiKeyAuthenticationHandler.Header,
                    Description = $"An API key in the {Auth.ApiKeyAuthenticationHandler.Header} header.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key as 'Authorization: Bearer <key>'.",
                };
                return Task.CompletedTask;
            });
            // Either scheme will do: two requirements, each of one scheme.
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true)
                {
                    operation.Security ??= [];
                    foreach (var scheme in new[] { ApiKeyScheme, BearerScheme })
                        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });
        });

    /// <summary>Maps the document and the reference page; its script, styles and fonts come from the Scalar package and the system, no CDN.</summary>
    public static void MapApiDocument(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference("/reference", options => options.WithTitle(Title).WithOpenApiRoutePattern(DocumentRoute).DisableDefaultFonts());
    }
}

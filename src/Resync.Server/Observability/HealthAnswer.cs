using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resync.Server.Observability;

/// <summary>The JSON of a health answer: the overall status, the time, and each check with its status, description and data.</summary>
internal static class HealthAnswer
{
    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        var time = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var body = new
        {
            status = report.Status.ToString(),
            time,
            checks = report.Entries.ToDictionary(entry => entry.Key, entry => new
            {
                status = entry.Value.Status.ToString(),
                description = entry.Value.Description,
                data = entry.Value.Data,
            }),
        };
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

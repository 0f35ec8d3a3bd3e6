using System.Text.Json;
using System.Text.Json.Serialization;
using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>The generated serializer of a stored error, with <see cref="StoredJson.Options"/>'s settings (StoredJsonTests holds the two alike).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ResyncError))]
internal sealed partial class StoredErrorJson : JsonSerializerContext;

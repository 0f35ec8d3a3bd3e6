using System.Security.Cryptography;
using System.Text;

namespace Resync.Core.Links;

/// <summary>
/// The version of a link's definition a run ran with: a short hash of the definition, and the document to keep with
/// it (as the host stores it: the CLI keeps the link file's text, the server keeps it encrypted).
/// </summary>
/// <param name="Hash">12 hex digits of the SHA-256 of the definition, as <see cref="HashOf"/> computes it.</param>
/// <param name="Document">The definition as stored, to rebuild the link from later (<c>--definition original</c>).</param>
public sealed record LinkVersion(string Hash, string Document)
{
    /// <summary>
    /// The hash of a definition's text, line endings normalized so the same file checked out on another system is the same
    /// version. Callers hash text without credentials in it: the hash is shown to anyone who may read runs, and a hash of a
    /// weak password can be guessed offline.
    /// </summary>
    public static string HashOf(string definitionText) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definitionText.ReplaceLineEndings("\n"))))[..12];
}

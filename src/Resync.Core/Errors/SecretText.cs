using System.Text.RegularExpressions;

namespace Resync.Core.Errors;

/// <summary>
/// Masks the secrets text can carry in passing: passwords in connection strings (<c>Password=</c>, <c>Pwd=</c>, <c>PSW=</c>,
/// <c>SSL Password=</c>, any case) and the userinfo of URLs (<c>https://user:secret@host/</c>). Applied to every error
/// message and hint when it is made and before it is stored, and to link documents and problems before they are shown.
/// </summary>
public static partial class SecretText
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Hidden = "********";

    /// <summary>The text with every connection-string password and URL userinfo replaced by <see cref="Hidden"/>.</summary>
    public static string Mask(string text)
    {
        if (text.Contains('@', StringComparison.Ordinal))
            text = Userinfo().Replace(text, match => match.Groups["scheme"].Value + Hidden + "@");
        if (text.Contains('=', StringComparison.Ordinal))
            text = ConnectionPassword().Replace(text, match => match.Groups["key"].Value + Hidden);
        return text;
    }

    /// <summary><see cref="Mask(string)"/> of a text that may be absent.</summary>
    public static string? MaskOrNull(string? text) => text is null ? null : Mask(text);

    // scheme://userinfo@ : the userinfo ends at the first '@' before the path (no '/', '?', '#' or space in it).
    [GeneratedRegex(@"(?<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s""'<>]+@", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Userinfo();

    // A keyword naming a password (Password, Pwd, PSW, SSL Password, Ssl_Password…) then '=', and its value: quoted, or up to ';'.
    // Linear time (no backtracking): error messages may be long.
    [GeneratedRegex(@"(?<key>\b(?:[A-Za-z]{1,20}[ _]?)?(?:password|pwd|psw)\s*=\s*)(?:""(?:[^""]|"""")*""|'(?:[^']|'')*'|[^;\s""']*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex ConnectionPassword();
}

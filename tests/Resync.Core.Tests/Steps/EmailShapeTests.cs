using System.Text;
using System.Text.RegularExpressions;
using Resync.Core.Steps;

namespace Resync.Core.Tests.Steps;

public sealed class EmailShapeTests
{
    // The rule as it was written before, the reference the one-pass check must agree with.
    private static readonly Regex Reference = new(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("ann@example.org", true)]
    [InlineData("a@b.c", true)]
    [InlineData("a@b.c\n", true)] // the regex's $ matches before a final newline
    [InlineData("a.b@c.d.e", true)]
    [InlineData("a@.b.c", true)]
    [InlineData("a@b.", false)]
    [InlineData("a@.b", false)]
    [InlineData("@b.c", false)]
    [InlineData("a@b@c.d", false)]
    [InlineData("a b@c.d", false)]
    [InlineData("a@b.c\n\n", false)]
    [InlineData("a@b.c\u00A0", false)]
    [InlineData("a@bc", false)]
    [InlineData("", false)]
    public void Matches_AsTheRegexDoes(string text, bool expected)
    {
        Reference.IsMatch(text).ShouldBe(expected);
        EmailShape.Matches(text).ShouldBe(expected);
    }

    [Fact]
    public void Matches_ManyShortTexts_AlwaysAsTheRegexDoes()
    {
        // Half the texts from the first three characters only, so that many of them are addresses.
        char[] alphabet = ['a', '@', '.', 'é', ' ', '\n', '\t', '\r', '\u00A0', '\u2028', '\u0085', '\u200B'];
        var matched = 0;
        var random = new Random(20261204);
        var text = new StringBuilder();
        for (var i = 0; i < 200_000; i++)
        {
            text.Clear();
            var letters = random.Next(2) == 0 ? 3 : alphabet.Length;
            for (var length = random.Next(0, 9); length > 0; length--)
                text.Append(alphabet[random.Next(letters)]);
            var candidate = text.ToString();
            var expected = Reference.IsMatch(candidate);
            EmailShape.Matches(candidate).ShouldBe(expected, candidate.Replace("\n", "\\n"));
            matched += expected ? 1 : 0;
        }
        matched.ShouldBeGreaterThan(1_000);
    }
}

namespace Resync.LinkFiles.Tests;

internal static class LinkFileAssertions
{
    /// <summary>The file gives no link, for exactly one problem: returned for the test to check what it says and where.</summary>
    public static LinkFileProblem ShouldBeRefusedForOneProblem(this LinkFileResult result)
    {
        result.Link.ShouldBeNull();
        return result.Problems.ShouldHaveSingleItem();
    }
}

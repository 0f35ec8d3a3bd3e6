namespace Resync.Benchmarks.Push;

/// <summary>An answer read by <see cref="LeanHttpConnection"/>: its status code and its body.</summary>
internal sealed record LeanAnswer(int Status, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

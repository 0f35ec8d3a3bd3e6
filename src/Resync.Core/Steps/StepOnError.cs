namespace Resync.Core.Steps;

/// <summary>What a step does with a record it fails (<c>onError</c> on any step).</summary>
public enum StepOnError
{
    /// <summary>The record fails (the default); the link's error policy for the error's type then applies.</summary>
    Fail,

    /// <summary>The record is ignored, the step's error given as the reason.</summary>
    Ignore,

    /// <summary>The record goes on unchanged by the step, with the step's error as a warning.</summary>
    Warn,

    /// <summary>The field gets the step's fallback value (which must pass the step), with a warning.</summary>
    Default,
}

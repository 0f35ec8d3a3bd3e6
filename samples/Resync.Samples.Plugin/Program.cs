using Resync.Samples.Plugin;

// Usage: Resync.Samples.Plugin [link file] [state file]
var linkFile = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "sensors.link.yaml");
var stateFile = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "resync-sample-state.db");

var result = await SampleRunner.RunAsync(linkFile, stateFile, Console.Out);
var counts = result.Counts;
Console.WriteLine($"run {result.RunId}: {result.Status}; read {counts.Read}, succeeded {counts.Succeeded}, failed {counts.Failed}, ignored {counts.Ignored}");
Console.WriteLine($"state: {stateFile}");
return result.SystemError is null ? 0 : 1;

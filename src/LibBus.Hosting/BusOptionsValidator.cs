using Microsoft.Extensions.Options;

namespace LibBus.Hosting;

/// <summary>Checks <see cref="BusOptions"/> at start (no reflection: Native AOT and trimming safe).</summary>
internal sealed class BusOptionsValidator : IValidateOptions<BusOptions>
{
    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF; // 0777

    public ValidateOptionsResult Validate(string? name, BusOptions options)
    {
        string o = string.IsNullOrEmpty(name) ? "BusOptions" : $"BusOptions[{name}]";
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.Path))
            failures.Add($"{o}.Path: required (the bus's key file)");
        else if (!System.IO.Path.IsPathFullyQualified(options.Path))
            failures.Add($"{o}.Path: '{options.Path}' is not an absolute path");
        if (options.Mode is { } mode && (mode & ~PermissionBits) != 0)
            failures.Add($"{o}.Mode: {Convert.ToString((int)mode, 8)} has bits other than permissions (0 to 0777)");
        if (options.SubscriptionCapacity < 1)
            failures.Add($"{o}.SubscriptionCapacity: {options.SubscriptionCapacity} is less than 1");
        if (options.PublishTimeout is { } t && t <= TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
            failures.Add($"{o}.PublishTimeout: {t} is not positive");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

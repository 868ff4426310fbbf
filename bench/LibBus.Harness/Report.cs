namespace LibBus.Harness;

internal static class Report
{
    internal static int Run(Options o) => 0;
}

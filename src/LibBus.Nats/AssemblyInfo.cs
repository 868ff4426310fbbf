using System.Runtime.Versioning;

// Like LibBus: System V IPC as Linux defines it.
[assembly: SupportedOSPlatform("linux")]

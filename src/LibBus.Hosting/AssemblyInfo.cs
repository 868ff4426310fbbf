using System.Runtime.Versioning;

// LibBus is Linux-only (System V IPC as Linux defines it), and so is this.
[assembly: SupportedOSPlatform("linux")]

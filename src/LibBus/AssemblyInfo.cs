using System.Runtime.Versioning;

// System V IPC as Linux defines it (struct layouts, errno values).
[assembly: SupportedOSPlatform("linux")]

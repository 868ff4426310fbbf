using System.Runtime.Versioning;

// libbus.so.3 is for Linux, as LibBus is.
[assembly: SupportedOSPlatform("linux")]

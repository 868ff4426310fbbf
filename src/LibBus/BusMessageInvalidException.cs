namespace LibBus;

/// <summary>A message is not valid: over 2047 UTF-8 bytes, containing NUL, or not encodable.</summary>
public sealed class BusMessageInvalidException(string message, Exception? innerException = null)
    : BusException(message, null, 0, innerException);

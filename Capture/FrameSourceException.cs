// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Capture;

/// <summary>A frame source that cannot start or continue, with a message fit for one log or error line.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);

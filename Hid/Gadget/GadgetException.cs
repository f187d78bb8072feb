// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>A gadget command could not do its job. The message is one line for the user, naming the cause.</summary>
public sealed class GadgetException(string message, Exception? inner = null) : Exception(message, inner);

// SPDX-License-Identifier: MIT
using System.Threading.Tasks.Sources;

namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// An auto-reset event with one asynchronous waiter and no allocation per wait: the update loop waits on it, and
/// the publisher and the receive loop set it. Signals while nobody waits are remembered (once).
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private readonly Lock _lock = new();
    // Continuations run on the thread pool, unless the setter asks for them inline (SetInline).
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _signaled;
    private bool _waiting;

    [ThreadStatic] private static bool t_inline;

    /// <summary>
    /// Whether the caller runs inside <see cref="SetInline"/>, i.e. on the setter's thread: it should do only brief
    /// work there and move to the thread pool (<c>ConfigureAwaitOptions.ForceYielding</c>) before anything long.
    /// </summary>
    public static bool RunningInline => t_inline;

    /// <summary>Wakes the waiter on the thread pool (or makes the next wait complete at once).</summary>
    public void Set() => Set(inline: false);

    /// <summary>
    /// Wakes the waiter on this thread, before returning: for a setter that wakes many waiters whose work is brief
    /// (sending the capture's image as it is), where a thread-pool hop per waiter costs more than the work itself.
    /// The waiter sees <see cref="RunningInline"/> until it first awaits something that is not complete.
    /// </summary>
    public void SetInline() => Set(inline: true);

    private void Set(bool inline)
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _signaled = true;
                return;
            }
            _waiting = false;
        }
        // Completed outside the lock, so an inline waiter can wait again. Nobody else completes this wait: _waiting
        // is false until the waiter, resumed by this call, waits again.
        if (!inline)
        {
            _core.RunContinuationsAsynchronously = true;
            _core.SetResult(true);
            return;
        }
        bool outer = t_inline;
        t_inline = true;
        try
        {
            _core.RunContinuationsAsynchronously = false;
            _core.SetResult(true);
        }
        finally
        {
            t_inline = outer;
        }
    }

    /// <summary>Completes at the next <see cref="Set"/>, or at once if one came since the last wait. One waiter at a time.</summary>
    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_signaled)
            {
                _signaled = false;
                return default;
            }
            _core.Reset();
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

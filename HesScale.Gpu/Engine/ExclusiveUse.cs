namespace HesScale.Gpu.Engine;

/// <summary>
/// Detects concurrent use of an object that is not thread-safe (a <see cref="Network"/> and what
/// works on its buffers): <see cref="Enter"/> claims it for the calling thread with one interlocked
/// exchange and throws <see cref="InvalidOperationException"/> if another thread holds it, instead
/// of letting two passes share one workspace and return wrong numbers. Nested entries by the
/// holding thread are allowed (an estimator's pass runs the network's Backward).
/// </summary>
internal sealed class ExclusiveUse(string what)
{
    private int _owner; // managed thread id of the holder, 0 when free
    private int _depth; // entries of the holder not yet left; touched by the holder only

    /// <summary>Claims the object until the returned scope is disposed (<c>using var _ = guard.Enter();</c>).</summary>
    public Scope Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        int holder = Interlocked.CompareExchange(ref _owner, me, 0);
        if (holder != 0 && holder != me)
            throw new InvalidOperationException(
                $"{what} is in use by another thread. It is not thread-safe: give each thread its own (see the README's thread-safety notes).");
        _depth++;
        return new Scope(this);
    }

    private void Leave()
    {
        if (--_depth == 0) Volatile.Write(ref _owner, 0);
    }

    /// <summary>Leaves the guarded section on dispose.</summary>
    public readonly struct Scope(ExclusiveUse guard) : IDisposable
    {
        public void Dispose() => guard?.Leave();
    }
}

// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Server;

/// <summary>
/// The largest of the last few samples: a bandwidth estimate whose samples an idle link, a late answer or a slow
/// decoder only ever lower, so the maximum of the recent ones is the link's rate and recovers from those at once.
/// </summary>
internal sealed class RecentMaximum(int samples)
{
    private readonly long[] _samples = new long[samples];
    private int _next;

    /// <summary>The largest sample kept; 0 before the first.</summary>
    public long Value
    {
        get
        {
            long max = 0;
            foreach (long s in _samples) max = Math.Max(max, s);
            return max;
        }
    }

    /// <summary>Keeps <paramref name="sample"/> in place of the oldest.</summary>
    public void Add(long sample)
    {
        _samples[_next] = sample;
        _next = (_next + 1) % _samples.Length;
    }
}

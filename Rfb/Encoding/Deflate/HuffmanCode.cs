// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Encoding.Deflate;

/// <summary>
/// Length-limited Huffman codes as deflate wants them (RFC 1951 §3.2.2): code lengths from symbol frequencies, then
/// the canonical codes, bit-reversed since deflate sends codes most significant bit first into an LSB-first stream.
/// </summary>
internal static class HuffmanCode
{
    private const int MaxSymbols = 288;

    /// <summary>
    /// Optimal code lengths for <paramref name="frequencies"/> (0 = unused symbol), at most
    /// <paramref name="maxBits"/> long. When the optimal code is too deep, the frequencies are flattened (halved,
    /// rounded up) and the code built again; that converges in a few rounds and costs a fraction of a percent.
    /// Callers give at least two used symbols: deflate decoders refuse incomplete codes.
    /// </summary>
    public static void BuildLengths(ReadOnlySpan<int> frequencies, Span<byte> lengths, int maxBits)
    {
        int n = frequencies.Length;
        Span<int> freq = stackalloc int[MaxSymbols];
        frequencies.CopyTo(freq);
        while (!TryBuild(freq[..n], lengths[..n], maxBits))
            for (int i = 0; i < n; i++)
                if (freq[i] > 0) freq[i] = (freq[i] + 1) >> 1;
    }

    /// <summary>Huffman's algorithm with two queues (sorted leaves, then internal nodes in creation order).</summary>
    private static bool TryBuild(ReadOnlySpan<int> freq, Span<byte> lengths, int maxBits)
    {
        Span<long> leaves = stackalloc long[MaxSymbols];
        int count = 0;
        for (int i = 0; i < freq.Length; i++)
        {
            lengths[i] = 0;
            if (freq[i] > 0) leaves[count++] = ((long)freq[i] << 16) | (uint)i;
        }

        if (count == 0) return true;
        if (count == 1)
        {
            lengths[(int)(leaves[0] & 0xFFFF)] = 1;
            return true;
        }

        leaves = leaves[..count];
        HeapSort(leaves);

        // Nodes 0..count−1 are the sorted leaves, count.. the internal nodes; parent[] links each to its parent.
        Span<long> weight = stackalloc long[2 * MaxSymbols];
        Span<int> parent = stackalloc int[2 * MaxSymbols];
        for (int i = 0; i < count; i++) weight[i] = leaves[i] >> 16;
        int nextLeaf = 0, nextNode = count, made = count;
        for (int k = 0; k < count - 1; k++)
        {
            int a = TakeSmallest(weight, ref nextLeaf, count, ref nextNode, made);
            int b = TakeSmallest(weight, ref nextLeaf, count, ref nextNode, made);
            weight[made] = weight[a] + weight[b];
            parent[a] = parent[b] = made;
            made++;
        }

        // The root is the last node made; depths go down from it, parents always made after their children.
        Span<byte> depth = stackalloc byte[2 * MaxSymbols];
        depth[made - 1] = 0;
        bool fits = true;
        for (int node = made - 2; node >= 0; node--)
        {
            int d = depth[parent[node]] + 1;
            depth[node] = (byte)Math.Min(d, 255);
            if (node < count && d > maxBits) fits = false;
        }

        if (!fits) return false;
        for (int i = 0; i < count; i++) lengths[(int)(leaves[i] & 0xFFFF)] = depth[i];
        return true;
    }

    /// <summary>
    /// Ascending heapsort: no comparer (the generic span sort goes through an uninlined comparer under Native AOT,
    /// a few percent of the server's CPU per block), no allocation.
    /// </summary>
    private static void HeapSort(Span<long> keys)
    {
        int n = keys.Length;
        for (int i = n / 2 - 1; i >= 0; i--) SiftDown(keys, i, n);
        for (int end = n - 1; end > 0; end--)
        {
            (keys[0], keys[end]) = (keys[end], keys[0]);
            SiftDown(keys, 0, end);
        }
    }

    private static void SiftDown(Span<long> keys, int root, int n)
    {
        long value = keys[root];
        while (true)
        {
            int child = 2 * root + 1;
            if (child >= n) break;
            if (child + 1 < n && keys[child + 1] > keys[child]) child++;
            if (keys[child] <= value) break;
            keys[root] = keys[child];
            root = child;
        }

        keys[root] = value;
    }

    private static int TakeSmallest(ReadOnlySpan<long> weight, ref int nextLeaf, int leaves, ref int nextNode, int made)
    {
        bool leafLeft = nextLeaf < leaves, nodeLeft = nextNode < made;
        if (leafLeft && (!nodeLeft || weight[nextLeaf] <= weight[nextNode])) return nextLeaf++;
        return nextNode++;
    }

    /// <summary>
    /// Canonical codes for <paramref name="lengths"/> (RFC 1951 §3.2.2), each bit-reversed into
    /// <paramref name="codes"/> so it can be written LSB first.
    /// </summary>
    public static void BuildCodes(ReadOnlySpan<byte> lengths, Span<ushort> codes)
    {
        Span<int> countOfLength = stackalloc int[16];
        foreach (byte l in lengths) countOfLength[l]++;
        countOfLength[0] = 0;
        Span<int> next = stackalloc int[16];
        int code = 0;
        for (int bits = 1; bits < 16; bits++)
        {
            code = (code + countOfLength[bits - 1]) << 1;
            next[bits] = code;
        }

        for (int i = 0; i < lengths.Length; i++)
        {
            int l = lengths[i];
            codes[i] = l == 0 ? (ushort)0 : Reverse(next[l]++, l);
        }
    }

    private static ushort Reverse(int code, int bits)
    {
        int r = 0;
        for (int i = 0; i < bits; i++, code >>= 1) r = (r << 1) | (code & 1);
        return (ushort)r;
    }
}

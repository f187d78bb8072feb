// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Rfb.Updates;

/// <summary>
/// A band of the picture that moved vertically between two frames: the new frame's rows in
/// <see cref="Destination"/> show (approximately) what the previous frame had <see cref="Dy"/> rows lower
/// (<see cref="Source"/>). Dy &gt; 0: the content moved up (scrolling down a document); Dy &lt; 0: down.
/// </summary>
public readonly record struct ScrollMove(Rect Destination, int Dy)
{
    public Rect Source => Destination with { Y = Destination.Y + Dy };

    /// <summary>Which row's pixels row <paramref name="y"/> holds once the band is copied: y + Dy inside the destination's rows, y outside.</summary>
    public int RowCopiedTo(int y) => y >= Destination.Y && y < Destination.Bottom ? y + Dy : y;

    public override string ToString() => $"{Destination} from y{(Dy >= 0 ? "+" : "")}{Dy}";
}

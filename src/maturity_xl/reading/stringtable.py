"""A return's shared strings read by a reference: the table of a template's returns is the same bytes in each but
for the few entries personalised (the service's name and id), so it is compared with a table read before, block
by block (memcmp), and only the entries that differ are found and checked, rather than every entry split out and
the whole table counted three times (about a tenth of reading a return).

fastpath.scan_shared_strings takes a table in the usual shape (entries opened exactly "<si>", each closed "</si>"
right before the next opens, none prefixed, self-closed or nested; no comment, CDATA or processing instruction)
by splitting it at each "<si>" and counting "<si", "si>" and "</si><si>" in the whole. No match of those
patterns, nor of "<!" or "<?", can cross a "<si>" the split is made at, so the counts are the sums of each piece's
own: the table passes exactly when the piece before the first entry holds no "<si" nor "si>", and each entry's
piece holds no "<si", one "si>", and ends with "</si>" (the last: holds one). A table whose pieces are a
reference's (which passed) but for some that pass alone passes, and splits into those pieces.
"""

from __future__ import annotations

from .fastpath import LazyStrings

BLOCK = 8  # entries compared as one run of bytes
REFERENCE_BYTES = 512 * 1024
REFERENCES = 4  # at most 2 MB, with their blocks
_SEPARATOR = b"<si>"


class _Reference:
    """A table that passed the whole scan: what comes before its first entry, its entries' pieces (as the split
    gives them: an entry's XML, then "</si>" and whatever comes before the next), and its bytes from each BLOCK-th
    entry's "<si>" to the next's."""

    __slots__ = ("before", "pieces", "blocks")

    def __init__(self, before: bytes, pieces: list[bytes]):
        self.before, self.pieces = before, pieces
        self.blocks = tuple(b"".join(_SEPARATOR + piece for piece in pieces[i:i + BLOCK])
                            for i in range(0, len(pieces), BLOCK))


_REFERENCES: list[_Reference] = []


def keep(data: bytes, strings: object) -> None:
    """Keep `data`, a table fastpath.scan_shared_strings split in the usual shape into `strings`, as a reference
    when no reference reads it (the newest REFERENCES are kept)."""
    pieces = strings.pieces() if strings.__class__ is LazyStrings else None  # type: ignore[union-attr]
    if not pieces or len(data) > REFERENCE_BYTES:
        return
    reference = _Reference(data[:data.find(_SEPARATOR)], pieces)
    _REFERENCES[:] = [reference, *_REFERENCES[:REFERENCES - 1]]


def by_reference(data: bytes) -> LazyStrings | None:
    """The table `data` as scan_shared_strings splits it, when a reference has as many entries, the same bytes
    before the first, and the same entries but for at most one in eight, each of which passes alone; else None."""
    for reference in _REFERENCES:
        if data.startswith(reference.before):
            found = _walk(data, reference)
            if found is not None:
                return found
    return None


def _walk(data: bytes, reference: _Reference) -> LazyStrings | None:
    pieces = reference.pieces
    last = len(pieces) - 1
    at = len(reference.before)
    changed: list[tuple[int, bytes]] = []
    for i, block in enumerate(reference.blocks):
        if data.startswith(block, at):  # (a "<si>" cannot straddle its end, which is "</si>" or the data's)
            at += len(block)
            continue
        if not data.startswith(_SEPARATOR, at):
            return None
        for entry in range(i * BLOCK, min(i * BLOCK + BLOCK, last + 1)):
            start = at + len(_SEPARATOR)
            at = len(data) if entry == last else data.find(_SEPARATOR, start)
            if at < 0:
                return None
            piece = data[start:at]
            if piece != pieces[entry]:
                if not _passes(piece, entry == last) or 8 * len(changed) >= len(pieces):
                    return None
                changed.append((entry, piece))
    if at != len(data):
        return None
    raw = pieces.copy()
    for entry, piece in changed:
        raw[entry] = piece
    return LazyStrings(raw, closed=False)


def _passes(piece: bytes, last: bool) -> bool:
    """Whether an entry's piece passes the scan's checks alone (see the module's docstring)."""
    if piece.find(b"<si") >= 0 or piece.find(b"<!") >= 0 or piece.find(b"<?") >= 0 or piece.count(b"si>") != 1:
        return False
    return piece.find(b"</si>") >= 0 if last else piece.endswith(b"</si>")

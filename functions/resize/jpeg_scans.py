"""How many passes libjpeg makes over a JPEG, from its bytes alone: the bound on decode time that the pixel cap
does not give. Pure, and safe with hostile input: anything it cannot read is counted the slow, sure way.

libjpeg decodes a sequential JPEG whose first scan interleaves every component of the frame in one pass, and stops
with an error at any later scan (jdinput.c: "Oops, I wasn't expecting this!"). Every other JPEG is decoded scan by
scan, each scan a pass over the whole image however few bytes it holds: a progressive refinement, or an empty scan
of one component, costs about ten bytes.
"""

_START_OF_SCAN = 0xDA
_SEQUENTIAL_FRAMES = {0xC0, 0xC1, 0xC9}  # baseline, extended (Huffman), extended (arithmetic)
_OTHER_FRAMES = {0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # progressive, lossless, hierarchical
_WITHOUT_LENGTH = {0x01, *range(0xD0, 0xD9)}  # TEM, RSTn, SOI


def decode_passes(data: bytes) -> int:
    """1 for a JPEG libjpeg decodes in one pass; else the count of its SOS markers (entropy-coded data never holds
    FF DA: an FF there is followed by 00 or RSTn), which also counts those of an EXIF thumbnail or an MPO's other
    pictures, and so errs on the safe side."""
    return 1 if _single_pass(data) else data.count(b"\xff\xda")


def _single_pass(data: bytes) -> bool:
    """The header's segments, skipped by their lengths up to the first scan: a sequential frame, and a first scan
    with as many components as the frame."""
    frame_components = None
    position = 2  # after SOI
    while position + 4 < len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before the marker
            position += 1
            continue
        if marker in _WITHOUT_LENGTH:
            position += 2
            continue
        if marker in _SEQUENTIAL_FRAMES and position + 9 < len(data):
            frame_components = data[position + 9]  # FF Cn, length (2), precision, height (2), width (2), Nf
        elif marker in _OTHER_FRAMES:
            return False
        elif marker == _START_OF_SCAN:
            return frame_components is not None and data[position + 4] == frame_components  # FF DA, length (2), Ns
        position += 2 + int.from_bytes(data[position + 2 : position + 4])
    return False

"""What the gallery shows before a photo's image loads: its ThumbHash and its dominant colour. Pure: a small upright
sRGB picture in (the smallest rendition, already in memory), a Placeholder out; nothing is decoded again.

The ThumbHash encoder is a port of the reference (https://evanw.github.io/thumbhash/, js/thumbhash.js of
evanw/thumbhash): the same colour space, coefficients, quantization and byte layout, with JavaScript's Math.round.
Only the sums are arranged differently: the DCT is separable, so each channel is transformed row by row and then
column by column, with the cosine tables made once per size. README.md says why it is ours and not a package's.
"""

import base64
import math
from dataclasses import dataclass
from functools import cache
from itertools import product
from operator import mul

from PIL import Image

# ThumbHash's own limit on its input.
THUMBHASH_MAX_SIDE = 100
# The picture both are computed from. ThumbHash keeps at most 7 cosine terms a side, which a 32 px box-filtered
# picture gives as well as a 100 px one, at a fraction of the cost (README.md: "The placeholder").
PLACEHOLDER_SIDE = 32
# ThumbHash uses up to 5 cosine terms on the shorter side (alpha), so it needs at least 5 samples there.
MIN_SIDE = 5
# The dominant colour counts only pixels at least this opaque: a transparent background is not the photo's colour.
VISIBLE_ALPHA = 128
# ... and the colour of a fully transparent picture is the white its JPEG renditions are flattened on.
_WHITE = "#ffffff"
# Only the fullest bins are candidates for the densest neighbourhood; it bounds the cost on a noisy picture.
CANDIDATES = 32
_NEIGHBOURS = tuple(product((-1, 0, 1), repeat=3))


@dataclass(frozen=True)
class Placeholder:
    thumbhash: str  # the ThumbHash bytes in standard base64
    color: str  # "#rrggbb", lowercase


def make_placeholder(picture: Image.Image) -> Placeholder:
    """The placeholder of an upright sRGB picture (RGB, or RGBA when it has transparency) of any size."""
    small = fit(picture)
    return Placeholder(thumbhash=base64.b64encode(thumbhash(small)).decode("ascii"), color=dominant_color(small))


def fit(picture: Image.Image) -> Image.Image:
    """The picture scaled to fit PLACEHOLDER_SIDE x PLACEHOLDER_SIDE (a box filter: every pixel counts), aspect
    kept, but no side under MIN_SIDE. A tiny upload is enlarged and a thin panorama's short side stretched: with
    fewer samples than cosine terms the DCT aliases, and the reference itself encodes a 1 x 1 picture as noise.
    The stretch never changes the aspect ThumbHash records (1 : 7 at most)."""
    scale = min(PLACEHOLDER_SIDE / picture.width, PLACEHOLDER_SIDE / picture.height)
    size = (max(MIN_SIDE, round(picture.width * scale)), max(MIN_SIDE, round(picture.height * scale)))
    return picture if picture.size == size else picture.resize(size, Image.Resampling.BOX)


def thumbhash(image: Image.Image) -> bytes:
    """The ThumbHash of an image of at most 100 x 100. Transparency is kept: ThumbHash has an alpha channel."""
    w, h = image.size
    if w > THUMBHASH_MAX_SIDE or h > THUMBHASH_MAX_SIDE:
        raise ValueError(f"{w}x{h} doesn't fit in {THUMBHASH_MAX_SIDE}x{THUMBHASH_MAX_SIDE}")
    *bands, opacity = (band.tobytes() for band in image.convert("RGBA").split())
    alpha = [value / 255 for value in opacity]

    # Transparent pixels take the average colour (weighted by alpha), so they add no colour of their own.
    total_alpha = sum(alpha)
    averages = [sum(a / 255 * value for a, value in zip(alpha, band, strict=True)) for band in bands]
    averages = [average / total_alpha if total_alpha else 0.0 for average in averages]
    r, g, b = (
        [average * (1 - a) + a / 255 * value for a, value in zip(alpha, band, strict=True)]
        for average, band in zip(averages, bands, strict=True)
    )
    has_alpha = sum(opacity) < 255 * w * h

    # Luminance, yellow-blue and red-green (and alpha); fewer luminance terms when alpha needs the room.
    l_limit = 5 if has_alpha else 7
    lx = max(1, _round(l_limit * w / max(w, h)))
    ly = max(1, _round(l_limit * h / max(w, h)))
    luminance = [(red + green + blue) / 3 for red, green, blue in zip(r, g, b, strict=True)]
    yellow_blue = [(red + green) / 2 - blue for red, green, blue in zip(r, g, b, strict=True)]
    red_green = [red - green for red, green in zip(r, g, strict=True)]
    l_dc, l_ac, l_scale = _encode_channel(luminance, w, h, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _encode_channel(yellow_blue, w, h, 3, 3)
    q_dc, q_ac, q_scale = _encode_channel(red_green, w, h, 3, 3)
    a_dc, a_ac, a_scale = _encode_channel(alpha, w, h, 5, 5) if has_alpha else (1.0, [], 1.0)

    is_landscape = w > h
    header24 = _round(63 * l_dc) | _round(31.5 + 31.5 * p_dc) << 6 | _round(31.5 + 31.5 * q_dc) << 12
    header24 |= _round(31 * l_scale) << 18 | has_alpha << 23
    header16 = (ly if is_landscape else lx) | _round(63 * p_scale) << 3 | _round(63 * q_scale) << 9
    header16 |= is_landscape << 15
    hash_ = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    if has_alpha:
        hash_.append(_round(15 * a_dc) | _round(15 * a_scale) << 4)
    nibbles = [_round(15 * factor) for factor in (*l_ac, *p_ac, *q_ac, *a_ac)]
    nibbles.append(0)  # an odd count leaves the last high nibble empty
    hash_ += [low | high << 4 for low, high in zip(nibbles[0::2], nibbles[1::2], strict=False)]
    return bytes(value & 255 for value in hash_)


def dominant_color(image: Image.Image) -> str:
    """The mean of the densest colour neighbourhood: colours fall into bins of 16 levels a channel, each of the
    fullest bins counts the pixels in it and in the 26 bins around it, and the colour is the average of the pixels
    around the bin that counts most. The neighbours make it indifferent to where bin edges fall (a colour spread
    over two bins is not split). Median cut, the obvious alternative, splits the most populous box first, so on a
    photo its boxes end up about equally full and the "most populous" one is chance: a green field under a smaller
    sky came out sky blue."""
    bins: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}
    for count, (red, green, blue, opacity) in image.convert("RGBA").getcolors(image.width * image.height):
        if opacity >= VISIBLE_ALPHA:
            key = (red >> 4, green >> 4, blue >> 4)
            total, sum_red, sum_green, sum_blue = bins.get(key, (0, 0, 0, 0))
            bins[key] = (total + count, sum_red + count * red, sum_green + count * green, sum_blue + count * blue)
    if not bins:
        return _WHITE

    def around(key: tuple[int, int, int]) -> list[tuple[int, int, int, int]]:
        nearby = ((key[0] + dr, key[1] + dg, key[2] + db) for dr, dg, db in _NEIGHBOURS)
        return [bins[near] for near in nearby if near in bins]

    candidates = sorted(bins, key=lambda key: bins[key][0])[-CANDIDATES:]  # the mode is next to a full bin
    densest = max(candidates, key=lambda key: (sum(entry[0] for entry in around(key)), key))
    total, *sums = (sum(column) for column in zip(*around(densest), strict=True))
    return "#" + "".join(f"{round(value / total):02x}" for value in sums)


def _encode_channel(channel: list[float], w: int, h: int, nx: int, ny: int) -> tuple[float, list[float], float]:
    """The DC term, the AC terms mapped to 0..1 and their scale, in the reference's order: row by row (cy) of the
    triangle cx * ny < nx * (ny - cy)."""
    cos_x, cos_y = _cosines(w, nx), _cosines(h, ny)
    rows = [channel[start : start + w] for start in range(0, w * h, w)]
    by_row = [[sum(map(mul, row, basis)) for row in rows] for basis in cos_x]  # [cx][y]
    terms = [
        sum(map(mul, by_row[cx], cos_y[cy])) / (w * h)
        for cy in range(ny)
        for cx in range(nx)
        if cx * ny < nx * (ny - cy)
    ]
    dc, ac = terms[0], terms[1:]
    scale = max(map(abs, ac), default=0.0)
    if scale:
        ac = [0.5 + 0.5 / scale * factor for factor in ac]
    return dc, ac, scale


@cache
def _cosines(size: int, count: int) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(math.cos(math.pi / size * k * (i + 0.5)) for i in range(size)) for k in range(count))


def _round(value: float) -> int:
    """JavaScript's Math.round (halves go up), as the reference uses; Python's round() takes halves to even."""
    return math.floor(value + 0.5)

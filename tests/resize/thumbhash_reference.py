"""The reference ThumbHash decoder (thumbHashToRGBA of js/thumbhash.js in evanw/thumbhash, npm `thumbhash` 0.1.x,
which the site's gallery runs), ported line for line so the tests can look at what a hash shows. Tests only: the
function encodes and never decodes."""

import math


def js_round(value: float) -> int:
    return math.floor(value + 0.5)


def approximate_aspect_ratio(hash_: bytes) -> float:
    has_alpha, is_landscape = hash_[2] & 0x80, hash_[4] & 0x80
    lx = (5 if has_alpha else 7) if is_landscape else hash_[3] & 7
    ly = hash_[3] & 7 if is_landscape else (5 if has_alpha else 7)
    return lx / ly


def thumbhash_to_rgba(hash_: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGBA bytes) of the placeholder a browser draws for the hash: 32 pixels on its longer side."""
    header24 = hash_[0] | hash_[1] << 8 | hash_[2] << 16
    header16 = hash_[3] | hash_[4] << 8
    l_dc = (header24 & 63) / 63
    p_dc = ((header24 >> 6) & 63) / 31.5 - 1
    q_dc = ((header24 >> 12) & 63) / 31.5 - 1
    l_scale = ((header24 >> 18) & 31) / 31
    has_alpha = header24 >> 23
    p_scale = ((header16 >> 3) & 63) / 63
    q_scale = ((header16 >> 9) & 63) / 63
    is_landscape = header16 >> 15
    lx = max(3, (5 if has_alpha else 7) if is_landscape else header16 & 7)
    ly = max(3, header16 & 7 if is_landscape else (5 if has_alpha else 7))
    a_dc = (hash_[5] & 15) / 15 if has_alpha else 1
    a_scale = (hash_[5] >> 4) / 15 if has_alpha else 0

    ac_start, ac_index = (6 if has_alpha else 5), 0

    def decode_channel(nx: int, ny: int, scale: float) -> list[float]:
        nonlocal ac_index
        ac = []
        for cy in range(ny):
            cx = 0 if cy else 1
            while cx * ny < nx * (ny - cy):
                nibble = (hash_[ac_start + (ac_index >> 1)] >> ((ac_index & 1) << 2)) & 15
                ac.append((nibble / 7.5 - 1) * scale)
                ac_index += 1
                cx += 1
        return ac

    l_ac = decode_channel(lx, ly, l_scale)
    p_ac = decode_channel(3, 3, p_scale * 1.25)
    q_ac = decode_channel(3, 3, q_scale * 1.25)
    a_ac = decode_channel(5, 5, a_scale) if has_alpha else []

    ratio = approximate_aspect_ratio(hash_)
    w = js_round(32 if ratio > 1 else 32 * ratio)
    h = js_round(32 / ratio if ratio > 1 else 32)
    rgba = bytearray()
    for y in range(h):
        for x in range(w):
            lum, p, q, a = l_dc, p_dc, q_dc, a_dc
            fx = [math.cos(math.pi / w * (x + 0.5) * cx) for cx in range(max(lx, 5 if has_alpha else 3))]
            fy = [math.cos(math.pi / h * (y + 0.5) * cy) for cy in range(max(ly, 5 if has_alpha else 3))]
            j = 0
            for cy in range(ly):
                cx, fy2 = (0 if cy else 1), fy[cy] * 2
                while cx * ly < lx * (ly - cy):
                    lum += l_ac[j] * fx[cx] * fy2
                    cx, j = cx + 1, j + 1
            j = 0
            for cy in range(3):
                for cx in range(0 if cy else 1, 3 - cy):
                    f = fx[cx] * fy[cy] * 2
                    p, q, j = p + p_ac[j] * f, q + q_ac[j] * f, j + 1
            j = 0
            for cy in range(5 if has_alpha else 0):
                for cx in range(0 if cy else 1, 5 - cy):
                    a, j = a + a_ac[j] * fx[cx] * fy[cy] * 2, j + 1
            b = lum - 2 / 3 * p
            r = (3 * lum - b + q) / 2
            g = r - q
            rgba += bytes(int(max(0, 255 * min(1, value))) for value in (r, g, b, a))  # a Uint8Array truncates
    return w, h, bytes(rgba)

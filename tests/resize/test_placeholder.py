"""The placeholder: ThumbHash bytes equal to the reference implementation's, a hash that shows the upright picture
in its colours, a dominant colour that is the photo's, and no second decode of the original."""

import base64

import pytest
from PIL import Image, ImageFile

import renditions
from placeholder import MIN_SIDE, PLACEHOLDER_SIDE, dominant_color, fit, make_placeholder, thumbhash
from tests.resize.helpers import blocks, encode, noise, quadrants
from tests.resize.thumbhash_reference import approximate_aspect_ratio, thumbhash_to_rgba

# What the reference encoder (rgbaToThumbHash of npm `thumbhash` 0.1.1, the evanw/thumbhash repository's
# js/thumbhash.js) returns for these pictures' RGBA pixels, run under Node 20.
REFERENCE = {
    "noise-rgb-7x5": (lambda: noise((7, 5)), "4hgGLZD9Vfu7WndNRlh2lAbIpgiZ"),
    "blocks-rgb-40x30": (lambda: blocks((40, 30)), "pNgFNYiIh3hb4zf4V3d4R/VXS2/T"),
    "blocks-rgb-24x32": (lambda: blocks((24, 32), seed="portrait"), "4bcFJRAGiHFzmMmGh3eViMS7b/2n"),
    "blocks-rgba-32x20": (lambda: blocks((32, 20), "RGBA", seed="alpha"), "31eGE4QWSI/HbThvBzmAlWCNZaXheMg="),
    "blocks-rgb-100x100": (lambda: blocks((100, 100), seed="square"), "I/cFHwpMe4aTcIfnw3d4h6R4qNWQrzUC"),
    "noise-rgba-9x9": (lambda: noise((9, 9), "RGBA"), "ntiFBQQXl0zbd3v8WRJ+8GtEATyZd0lWkw=="),
}


def decoded(placeholder_hash: str) -> Image.Image:
    """What the gallery's decoder draws for the hash."""
    width, height, rgba = thumbhash_to_rgba(base64.b64decode(placeholder_hash))
    return Image.frombytes("RGBA", (width, height), rgba)


def mean(image: Image.Image, box=None) -> tuple[float, ...]:
    pixels = list((image.crop(box) if box else image).get_flattened_data())
    return tuple(sum(channel) / len(pixels) for channel in zip(*pixels, strict=True))


def close(colour, expected, tolerance) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=False))


# ---------------------------------------------------------------- ThumbHash


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_thumbhash_bytes_are_the_reference_implementations(name):
    make, expected = REFERENCE[name]

    assert base64.b64encode(thumbhash(make())).decode() == expected


def test_the_reference_decoder_port_draws_the_average_colour_of_the_source():
    source = blocks((40, 30))

    image = decoded(base64.b64encode(thumbhash(source)).decode())

    assert image.size == (32, 23)  # the reference draws 32 px on the longer side, at the hash's aspect ratio
    assert close(mean(image)[:3], mean(source), tolerance=6)


def test_thumbhash_refuses_more_than_100_pixels_a_side():
    with pytest.raises(ValueError, match="doesn't fit in 100x100"):
        thumbhash(Image.new("RGB", (101, 10)))


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (240, 1), (1, 240), (4000, 3)])
def test_tiny_and_thin_pictures_get_a_placeholder_in_their_colour(size):
    # The reference encodes a picture with fewer pixels a side than cosine terms as noise (the DCT aliases): fit
    # gives the hash enough samples.
    placeholder = make_placeholder(Image.new("RGB", size, (200, 40, 40)))

    assert close(mean(decoded(placeholder.thumbhash)), (200, 40, 40, 255), tolerance=8)
    assert placeholder.color == "#c82828"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_placeholder_shows_the_upright_picture(orientation):
    # GIVEN a photo that is red on its upright top half and blue below, stored turned or flipped with the EXIF
    # orientation that shows it upright again
    upright = Image.new("RGB", (1200, 900), (20, 40, 220))
    upright.paste((220, 20, 20), (0, 0, 1200, 450))
    stored = upright.transpose(_STORED[orientation]) if orientation in _STORED else upright
    exif = Image.Exif()
    exif[0x0112] = orientation

    placeholder = renditions.render(encode(stored, "JPEG", quality=92, exif=exif)).placeholder

    # THEN the decoded hash is red at its top and blue at its bottom
    image = decoded(placeholder.thumbhash)
    assert image.width > image.height
    top, bottom = mean(image, (0, 0, image.width, 4)), mean(image, (0, image.height - 4, image.width, image.height))
    assert top[0] > 150 and top[2] < 90, top
    assert bottom[2] > 150 and bottom[0] < 90, bottom


# The transpose that stores an upright picture so that EXIF `orientation` shows it upright again (the inverse of
# what the orientation asks for: 6 and 8 are each other's inverse, the rest their own).
_STORED = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def test_a_transparent_photo_keeps_its_alpha_in_the_thumbhash():
    # the left half fully transparent, the right half opaque red
    image = Image.new("RGBA", (400, 300), (0, 0, 255, 0))
    image.paste((200, 30, 30, 255), (200, 0, 400, 300))

    placeholder = renditions.render(encode(image, "PNG")).placeholder

    shown = decoded(placeholder.thumbhash)
    assert base64.b64decode(placeholder.thumbhash)[2] & 0x80  # ThumbHash's alpha flag
    assert mean(shown, (0, 0, 4, shown.height))[3] < 40  # the left edge is see-through
    right = mean(shown, (shown.width - 4, 0, shown.width, shown.height))
    assert right[3] > 215 and close(right[:3], (200, 30, 30), tolerance=40)
    assert placeholder.color == "#c81e1e"  # the visible pixels' colour, not the transparent ones'


def test_an_opaque_photo_has_no_alpha_in_its_thumbhash(jpeg_bytes):
    placeholder = renditions.render(jpeg_bytes()).placeholder

    assert not base64.b64decode(placeholder.thumbhash)[2] & 0x80


# ---------------------------------------------------------------- the small picture


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((240, 180), (32, 24)),
        ((180, 240), (24, 32)),
        ((240, 2400), (5, 32)),  # 3 wide stretched to 5
        ((240, 1), (32, 5)),
        ((20, 10), (32, 16)),  # a tiny upload is enlarged
        ((1, 1), (32, 32)),
    ],
)
def test_fit_keeps_the_aspect_within_the_placeholder_side_with_no_side_under_5(size, expected):
    assert fit(Image.new("RGB", size)).size == expected
    assert max(expected) == PLACEHOLDER_SIDE and min(expected) >= MIN_SIDE


@pytest.mark.parametrize(
    ("size", "ratio"), [((240, 2400), 1 / 7), ((3000, 10), 7), ((240, 40), 7 / 1), ((90, 30), 7 / 2)]
)
def test_stretching_a_thin_picture_keeps_the_aspect_thumbhash_records(size, ratio):
    # ThumbHash records the aspect as lx : ly (from 1 to 7 each) of the picture it was given
    assert approximate_aspect_ratio(thumbhash(fit(Image.new("RGB", size, (90, 90, 90))))) == ratio


def test_the_original_is_decoded_once(monkeypatch, jpeg_bytes):
    # The placeholder comes from the smallest rendition in memory: no second decode of the upload.
    loads = []
    real_load = ImageFile.ImageFile.load
    # Pillow's load() is called again on a decoded image (convert() does); only a call with tiles to read decodes.
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda image: (image.tile and loads.append(image.format)) or real_load(image)
    )

    rendered = renditions.render(jpeg_bytes((2400, 1800)))

    assert loads == ["JPEG"] and rendered.placeholder.thumbhash


# ---------------------------------------------------------------- the dominant colour


def _field_under_sky(sky_share: float) -> Image.Image:
    """A sky (a gradient of blues) over a noisy green field, the sky taking `sky_share` of the height."""
    width, height = 100, 75
    horizon = round(height * sky_share)
    image = Image.new("RGB", (width, height), (60, 140, 50))
    for y in range(horizon):
        image.paste((70 + 40 * y // horizon, 130 + 40 * y // horizon, 220), (0, y, width, y + 1))
    return Image.blend(image, noise((width, height)), 0.2)


@pytest.mark.parametrize(("sky_share", "looks"), [(0.3, "green"), (0.7, "blue")])
def test_the_dominant_colour_is_the_larger_areas(sky_share, looks):
    colour = dominant_color(fit(_field_under_sky(sky_share)))

    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    assert (green > blue + 40) if looks == "green" else (blue > green + 40), colour


def test_the_dominant_colour_of_a_flat_picture_is_its_colour():
    assert dominant_color(Image.new("RGB", (30, 20), (18, 52, 86))) == "#123456"


def test_a_small_bright_detail_does_not_win():
    image = Image.new("RGB", (32, 24), (240, 240, 235))
    image.paste((200, 0, 0), (0, 0, 8, 6))

    assert dominant_color(image) == "#f0f0eb"


def test_a_fully_transparent_picture_is_white():
    assert dominant_color(Image.new("RGBA", (10, 10), (255, 0, 0, 0))) == "#ffffff"


def test_make_placeholder_gives_base64_and_lowercase_hex():
    placeholder = make_placeholder(quadrants((240, 180)))

    assert len(base64.b64decode(placeholder.thumbhash, validate=True)) >= 5
    assert placeholder.color.startswith("#") and placeholder.color == placeholder.color.lower()
    assert len(placeholder.color) == 7 and int(placeholder.color[1:], 16) >= 0

"""The pure core: right sizes, right pictures, no metadata, and every hostile input refused with a stable code."""

import io

import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin
from pillow_heif import register_heif_opener

import renditions
from rendition_spec import JPEG, MAX_JPEG_SCANS, SPEC, WEBP, Spec
from tests.resize.helpers import (
    encode,
    jpeg_with_empty_scans,
    jpeg_with_scans,
    png_header_only,
    quadrants,
    swapped_primaries_profile,
)

register_heif_opener()  # this test's own HEIC writer; the function registers the reader itself
# The function writes WebP only; JPEG output stays a choice of the spec, and these tests cover it.
WITH_JPEG = Spec(formats=(JPEG, WEBP))


def decoded(rendition: renditions.Rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.data))
    image.load()
    return image


def close(pixel, expected, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def by_name(rendered: renditions.Rendered) -> dict[str, renditions.Rendition]:
    return {item.name: item for item in rendered.renditions}


def jpeg_segments(data: bytes, marker: int) -> list[bytes]:
    """The payload of every `marker` segment (0xC4 DHT, 0xDB DQT...) in a JPEG's header, up to its first scan."""
    segments, position = [], 2  # after SOI
    while data[position + 1] != 0xDA:  # SOS
        length = int.from_bytes(data[position + 2 : position + 4])
        if data[position + 1] == marker:
            segments.append(data[position + 4 : position + 2 + length])
        position += 2 + length
    return segments


def riff_chunks(data: bytes) -> list[bytes]:
    """The fourcc of every top-level chunk of a WebP: `VP8 ` is lossy, `VP8L` lossless, `VP8X`/`ALPH` extensions."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, position = [], 12
    while position < len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append(data[position : position + 4])
        position += 8 + size + size % 2  # chunks are padded to an even size
    return chunks


@pytest.fixture
def pixel_decodes(monkeypatch) -> list[str]:
    """Pixel decoding forbidden: each ImageFile.load (where every decoder starts) is recorded by format and stopped
    before the decoder runs, so a test can show an image was refused from its header alone."""
    calls = []

    def load(image):
        calls.append(image.format)
        raise RuntimeError("pixel decoding is forbidden in this test")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((4000, 3000), [(1920, 1440), (960, 720), (480, 360), (240, 180)]),
        ((1500, 1000), [(1500, 1000), (960, 640), (480, 320), (240, 160)]),
        ((300, 200), [(300, 200), (240, 160)]),
        ((120, 80), [(120, 80)]),
        ((1000, 10000), [(410, 4096), (240, 2400)]),
    ],
)
def test_plan_sizes_follow_the_spec_and_never_upscale(size, expected):
    assert renditions.plan_sizes(*size) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3648, 2736), [(1824, 1368), (912, 684), (456, 342), (240, 180)]),  # 10 MP compact camera: 1/2
        ((4032, 3024), [(2016, 1512), (1008, 756), (504, 378), (252, 189)]),  # 12 MP phone: 1/2
        ((6000, 4000), [(1500, 1000), (750, 500), (375, 250), (240, 160)]),  # 24 MP: 1/4; never under 240
        ((8064, 6048), [(2016, 1512), (1008, 756), (504, 378), (252, 189)]),  # 48 MP phone: 1/4
        ((3024, 4032), [(1512, 2016), (756, 1008), (378, 504), (240, 320)]),  # portrait: the width decides
        ((1800, 1200), [(1800, 1200), (900, 600), (450, 300), (240, 160)]),  # already in range: as it is
        ((4050, 3000), [(2025, 1500), (1013, 750), (507, 375), (254, 188)]),  # rounded up, as libjpeg does
    ],
)
def test_a_jpeg_gets_the_size_libjpeg_decodes_to_and_its_halvings(size, expected):
    assert renditions.plan_sizes(*size, jpeg=True) == expected


@pytest.mark.parametrize("size", [(4608, 3456), (5472, 3648), (2400, 1800), (800, 600), (1000, 10000)])
def test_a_jpeg_with_no_decodable_size_in_range_follows_the_spec(size):
    assert renditions.plan_sizes(*size, jpeg=True) == renditions.plan_sizes(*size)


def test_renders_a_jpeg_at_its_decodable_sizes_in_webp(jpeg_bytes):
    rendered = renditions.render(jpeg_bytes((4000, 3000)))

    assert (rendered.source_format, rendered.width, rendered.height) == ("JPEG", 4000, 3000)
    assert sorted(by_name(rendered)) == ["w1000.webp", "w2000.webp", "w250.webp", "w500.webp"]
    for item in rendered.renditions:
        image = decoded(item)
        assert image.format == item.format.pillow_format == "WEBP"
        assert image.size == (item.width, item.height) == (item.width, round(item.width * 3 / 4))


def test_only_exact_halvings_are_box_reduced(jpeg_bytes, monkeypatch):
    # GIVEN a JPEG decoded at 2025 x 1500, whose halvings all have an odd width
    reductions = []
    real_reduce = Image.Image.reduce

    def reduce(image, factor, *args, **kwargs):
        reductions.append((image.size, factor))
        return real_reduce(image, factor, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "reduce", reduce)

    # WHEN it is rendered
    rendered = renditions.render(jpeg_bytes((4050, 3000)))

    # THEN none is a 2x2 reduce(): a half-empty last box would shift the picture, so each is resampled
    sizes = [(item.width, item.height) for item in rendered.renditions]
    assert sizes == [(2025, 1500), (1013, 750), (507, 375), (254, 188)]
    assert all(factor != 2 for _, factor in reductions), reductions


def test_exact_halvings_are_box_reduced(jpeg_bytes, monkeypatch):
    reductions = []
    real_reduce = Image.Image.reduce
    monkeypatch.setattr(
        Image.Image,
        "reduce",
        lambda image, factor, *a, **k: reductions.append(factor) or real_reduce(image, factor, *a, **k),
    )

    renditions.render(jpeg_bytes((4032, 3024)))  # 2016, 1008, 504, 252

    assert reductions == [2, 2, 2]


def test_renders_every_spec_width_of_a_png():
    rendered = renditions.render(encode(quadrants((4000, 3000)), "PNG"))

    assert sorted(by_name(rendered)) == sorted(f"w{width}.webp" for width in SPEC.widths)


def test_small_image_is_never_upscaled(jpeg_bytes):
    rendered = renditions.render(jpeg_bytes((200, 150)))

    assert {(item.width, item.height) for item in rendered.renditions} == {(200, 150)}


def test_same_bytes_give_the_same_renditions(jpeg_bytes):
    data = jpeg_bytes()

    first, second = renditions.render(data), renditions.render(data)

    assert [(item.name, item.data) for item in first.renditions] == [
        (item.name, item.data) for item in second.renditions
    ]


def test_the_picture_survives_the_cascade(jpeg_bytes):
    smallest = by_name(renditions.render(jpeg_bytes((2400, 1800))))["w240.webp"]

    image = decoded(smallest).convert("RGB")
    assert close(image.getpixel((60, 45)), (220, 20, 20)) and close(image.getpixel((180, 135)), (230, 230, 20))


# ---------------------------------------------------------------- encoder settings (README: "What it makes")


def test_spec_encoder_settings_are_the_documented_ones():
    assert {output.name: (output.pillow_format, output.options) for output in SPEC.formats} == {
        "webp": ("WEBP", {"quality": 80, "method": 2}),
    }
    assert (JPEG.pillow_format, JPEG.options) == ("JPEG", {"quality": 82, "optimize": True, "progressive": False})


def test_jpeg_renditions_are_baseline_with_optimized_tables_at_quality_82(jpeg_bytes):
    # Quantization tables depend on the quality alone; without optimize libjpeg writes its standard Huffman tables.
    reference = encode(quadrants(), "JPEG", quality=82)
    jpegs = [item for item in renditions.render(jpeg_bytes(), WITH_JPEG).renditions if item.format == JPEG]

    assert len(jpegs) == 4
    for item in jpegs:
        image = Image.open(io.BytesIO(item.data))
        assert not {"progressive", "progression"} & set(image.info), item.name
        assert image.quantization == Image.open(io.BytesIO(reference)).quantization, item.name
        assert jpeg_segments(item.data, 0xC4) != jpeg_segments(reference, 0xC4), item.name


def _half_transparent() -> Image.Image:
    image = Image.new("RGBA", (300, 200), (200, 30, 30, 255))
    image.paste((0, 0, 255, 0), (0, 0, 150, 200))
    return image


@pytest.mark.parametrize(
    "source",
    [lambda: encode(quadrants(), "JPEG", quality=92), lambda: encode(_half_transparent(), "PNG")],
    ids=["opaque", "with-alpha"],
)
def test_webp_renditions_are_lossy(source):
    webps = [item for item in renditions.render(source()).renditions if item.format.pillow_format == "WEBP"]

    assert webps
    for item in webps:
        chunks = riff_chunks(item.data)
        assert b"VP8 " in chunks and b"VP8L" not in chunks, (item.name, chunks)


# ---------------------------------------------------------------- correct pictures


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_the_pixels(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(quadrants((400, 300)), "JPEG", quality=95, exif=exif)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")

    rendered = renditions.render(data)

    assert (rendered.width, rendered.height) == expected.size
    for item in rendered.renditions:
        image = decoded(item).convert("RGB")
        assert image.getexif().get(0x0112) is None
        reference = expected.resize(image.size)
        for x, y in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]:
            point = (int(image.width * x), int(image.height * y))
            assert close(image.getpixel(point), reference.getpixel(point)), (item.name, point)


def test_all_metadata_is_stripped_including_gps(jpeg_bytes):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})  # GPS IFD
    source = encode(quadrants(), "JPEG", exif=exif, comment=b"secret comment")
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)

    rendered = renditions.render(source, WITH_JPEG)

    for item in rendered.renditions:
        image = decoded(item)
        assert not image.getexif(), item.name
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info), item.name
        assert b"SpyCam" not in item.data and b"secret comment" not in item.data and b"Exif" not in item.data


def _red_in_swapped_space(format: str = "PNG", profile: bytes | None = None) -> bytes:
    return encode(Image.new("RGB", (300, 200), (255, 0, 0)), format, icc_profile=profile or swapped_primaries_profile())


def _colour_managed(image: Image.Image) -> Image.Image:
    """What a browser shows: the pixels through the image's own profile into sRGB."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    return ImageCms.profileToProfile(image.convert("RGB"), profile, ImageCms.createProfile("sRGB"))


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_a_small_rgb_profile_travels_with_the_renditions_unconverted(format):
    # GIVEN a wide-gamut-like photo: its pixels mean something only through its profile
    data = _red_in_swapped_space(format)

    # WHEN it is rendered, in both output formats
    rendered = renditions.render(data, WITH_JPEG)

    # THEN each rendition keeps the pixels and the profile, and a browser applying it shows blue
    for item in rendered.renditions:
        image = decoded(item)
        assert image.info["icc_profile"] == swapped_primaries_profile(), item.name
        assert close(image.convert("RGB").getpixel((10, 10)), (255, 0, 0)), item.name
        assert close(_colour_managed(image).getpixel((10, 10)), (0, 0, 255)), item.name


def test_the_placeholder_is_computed_in_srgb_when_the_profile_is_kept():
    rendered = renditions.render(_red_in_swapped_space())

    red, green, blue = (int(rendered.placeholder.color[i : i + 2], 16) for i in (1, 3, 5))
    assert blue > 200 and red < 40 and green < 40, rendered.placeholder.color


def test_a_profile_over_the_size_cap_is_applied_to_the_pixels():
    rendered = renditions.render(_red_in_swapped_space(), Spec(max_kept_profile_bytes=100))

    for item in rendered.renditions:
        image = decoded(item)
        assert "icc_profile" not in image.info, item.name
        assert close(image.convert("RGB").getpixel((10, 10)), (0, 0, 255)), item.name


def test_an_srgb_profile_is_dropped_and_the_pixels_left_alone():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    for item in renditions.render(_red_in_swapped_space(profile=srgb)).renditions:
        image = decoded(item)
        assert "icc_profile" not in image.info, item.name
        assert close(image.convert("RGB").getpixel((10, 10)), (255, 0, 0)), item.name


def test_a_broken_profile_is_dropped_and_the_pixels_shown_as_stored():
    for item in renditions.render(_red_in_swapped_space(profile=b"not an icc profile" * 10)).renditions:
        image = decoded(item)
        assert "icc_profile" not in image.info, item.name
        assert close(image.convert("RGB").getpixel((10, 10)), (255, 0, 0)), item.name


def test_cmyk_jpeg_becomes_rgb():
    data = encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG", quality=95)

    for item in renditions.render(data).renditions:
        image = decoded(item)
        assert image.mode == "RGB"
        assert close(image.getpixel((10, 10)), (255, 0, 0), tolerance=40), item.name


def test_16_bit_greyscale_is_scaled_not_clipped():
    mid_grey_16_bit = Image.new("I;16", (300, 200), 32768)

    for item in renditions.render(encode(mid_grey_16_bit, "PNG")).renditions:
        assert close(decoded(item).convert("RGB").getpixel((10, 10)), (128, 128, 128), tolerance=4), item.name


def test_greyscale_renders_as_grey():
    for item in renditions.render(encode(Image.new("L", (300, 200), 90), "PNG")).renditions:
        assert close(decoded(item).convert("RGB").getpixel((10, 10)), (90, 90, 90), tolerance=4), item.name


def test_alpha_is_flattened_on_white_for_jpeg_and_kept_for_webp():
    rendered = by_name(renditions.render(encode(_half_transparent(), "PNG"), WITH_JPEG))  # left half transparent

    jpeg, webp = decoded(rendered["w240.jpg"]), decoded(rendered["w240.webp"])
    assert jpeg.mode == "RGB" and close(jpeg.getpixel((10, 10)), (255, 255, 255), tolerance=6)
    assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0 and webp.getpixel((230, 10))[3] == 255


def test_palette_with_transparency_keeps_alpha_for_webp():
    image = quadrants().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    image.info["transparency"] = image.getpixel((10, 10))

    rendered = by_name(renditions.render(encode(image, "PNG"), WITH_JPEG))

    assert decoded(rendered["w400.webp"]).getpixel((10, 10))[3] == 0
    assert close(decoded(rendered["w400.jpg"]).getpixel((10, 10)), (255, 255, 255), tolerance=6)


def test_opaque_alpha_channel_is_dropped():
    rendered = renditions.render(encode(quadrants(mode="RGBA"), "PNG"))

    assert {decoded(item).mode for item in rendered.renditions} == {"RGB"}


def test_animated_gif_renders_its_first_frame():
    frames = [Image.new("RGB", (300, 200), colour) for colour in [(220, 20, 20), (20, 200, 20), (20, 20, 220)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    for item in renditions.render(data).renditions:
        assert close(decoded(item).convert("RGB").getpixel((10, 10)), (220, 20, 20)), item.name


def test_heic_from_a_phone_is_supported():
    data = encode(quadrants((800, 600)), "HEIF", quality=90)

    rendered = renditions.render(data)

    assert (rendered.source_format, rendered.width, rendered.height) == ("HEIF", 800, 600)
    assert close(decoded(by_name(rendered)["w480.webp"]).getpixel((60, 45)), (220, 20, 20))


def test_progressive_jpeg_renders(jpeg_bytes):
    rendered = renditions.render(jpeg_bytes((2400, 1800), progressive=True))

    assert (rendered.source_format, rendered.width, rendered.height) == ("JPEG", 2400, 1800)
    assert close(decoded(by_name(rendered)["w480.webp"]).getpixel((60, 45)), (220, 20, 20))


def test_jpeg_with_as_many_scans_as_the_cap_allows_renders():
    data = jpeg_with_scans(quadrants(), MAX_JPEG_SCANS)

    assert renditions.render(data).source_format == "JPEG"


def test_sequential_jpeg_with_scan_markers_in_its_metadata_renders(jpeg_bytes):
    # Only a progressive JPEG's scans are counted: a camera's baseline JPEG may carry FF DA in any metadata.
    data = jpeg_bytes(comment=b"\xff\xda" * (MAX_JPEG_SCANS + 1))

    assert renditions.render(data).source_format == "JPEG"


def test_mpo_from_a_camera_is_a_jpeg_and_decoded_in_draft(monkeypatch):
    # GIVEN a JPEG with a second picture in an MP extension, as many cameras write them
    first, second = quadrants((4000, 3000)), quadrants((4000, 3000)).transpose(Image.Transpose.ROTATE_180)
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=90)
    assert Image.open(io.BytesIO(data)).format == "MPO"
    drafts = []
    real_draft = JpegImagePlugin.JpegImageFile.draft
    monkeypatch.setattr(
        JpegImagePlugin.JpegImageFile, "draft", lambda image, *args: drafts.append(args) or real_draft(image, *args)
    )

    # WHEN it is rendered
    rendered = renditions.render(data)

    # THEN it reports JPEG, libjpeg scaled it while decoding, and the first picture is the one shown
    assert (rendered.source_format, rendered.width, rendered.height) == ("JPEG", 4000, 3000)
    assert drafts == [(None, (2000, 1500))]
    assert close(decoded(by_name(rendered)["w500.webp"]).getpixel((60, 45)), (220, 20, 20))


def test_png_named_jpg_is_read_by_content(jpeg_bytes):
    rendered = renditions.render(encode(quadrants(), "PNG"))

    assert rendered.source_format == "PNG"


def test_script_appended_to_a_jpeg_is_gone_after_re_encoding(jpeg_bytes):
    payload = b"<script>alert('pwned')</script><?php system($_GET['c']); ?>"

    rendered = renditions.render(jpeg_bytes() + payload)

    assert all(b"<script>" not in item.data and b"<?php" not in item.data for item in rendered.renditions)


# ---------------------------------------------------------------- hostile and broken input


def _psd_header() -> bytes:
    # Photoshop's signature, version 1, 3 channels of 8-bit RGB, 64x64, and empty sections.
    return b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + b"\x00\x00\x00\x40" * 2 + b"\x00\x08\x00\x03" + b"\x00" * 12


UNSUPPORTED = {
    "eps": lambda: encode(quadrants(), "EPS"),
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>x()</script></svg>',
    "psd": _psd_header,
    "tiff": lambda: encode(quadrants(), "TIFF"),
    "bmp": lambda: encode(quadrants(), "BMP"),
    "text": lambda: b"just some text, not an image at all\n",
    "pdf": lambda: encode(quadrants(), "PDF"),
}


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED))
def test_formats_outside_the_allowlist_are_refused(kind):
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(UNSUPPORTED[kind]())

    assert rejected.value.code == "unsupported_format"
    assert rejected.value.message == "not a supported image"


def test_zero_bytes_are_empty():
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(b"")

    assert (rejected.value.code, rejected.value.message) == ("empty", "the file is empty")


def test_the_decode_guard_sees_every_ordinary_decode(pixel_decodes, jpeg_bytes):
    # The tests below prove "refused before decoding" with this guard, so it must sit on the decode path.
    for data in (jpeg_bytes(), encode(quadrants(), "PNG")):
        with pytest.raises(renditions.ImageRejected):
            renditions.render(data)

    assert pixel_decodes == ["JPEG", "PNG"]


@pytest.mark.parametrize("size", [(20000, 20000), (8000, 8000)], ids=["400MP-bomb", "64MP-over-cap"])
def test_pixel_cap_refuses_from_the_header_alone(size, pixel_decodes):
    data = png_header_only(*size)
    assert len(data) < 200

    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(data)

    assert pixel_decodes == []  # a decode would take seconds and gigabytes
    assert rejected.value.code == "too_large" and rejected.value.message == "image too large"


def test_source_bytes_over_the_cap_are_too_large(jpeg_bytes):
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(jpeg_bytes(), Spec(max_source_bytes=1000))

    assert rejected.value.code == "too_large"


# Decoding them all would take over a second here (a minute at 49 MP). A progressive scan repeated costs 34 bytes;
# an empty scan of one component in a sequential JPEG, 10.
TOO_MANY_SCANS = {
    "progressive": (lambda: jpeg_with_scans(Image.new("L", (1000, 1000)), 2000), 100_000),
    "sequential-empty-scans": (lambda: jpeg_with_empty_scans(Image.new("RGB", (1000, 1000)), 2000), 25_000),
}


@pytest.mark.parametrize("kind", TOO_MANY_SCANS)
def test_jpeg_with_too_many_scans_is_refused_before_decoding(kind, pixel_decodes):
    make, most_bytes = TOO_MANY_SCANS[kind]
    data = make()
    assert len(data) < most_bytes

    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(data)

    assert pixel_decodes == []
    assert (rejected.value.code, rejected.value.message) == ("corrupt", "the file is damaged or truncated")
    assert str(rejected.value) == "corrupt: 2000 scans"


def test_jpeg_one_scan_over_the_cap_is_refused():
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(jpeg_with_scans(quadrants(), MAX_JPEG_SCANS + 1))

    assert rejected.value.code == "corrupt"


def test_sequential_jpeg_with_repeated_scans_is_corrupt():
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(jpeg_with_scans(quadrants(), MAX_JPEG_SCANS + 1, progressive=False))

    assert rejected.value.code == "corrupt"


def _corrupt_png() -> bytes:
    data = bytearray(encode(quadrants(), "PNG"))
    start = data.index(b"IDAT") + 8
    data[start : start + 40] = bytes(40)  # zeroed compressed stream
    return bytes(data)


BROKEN = {
    "truncated-jpeg": lambda jpeg: jpeg[: len(jpeg) // 2],
    "truncated-png": lambda jpeg: encode(quadrants(), "PNG")[:300],
    "corrupt-png": lambda jpeg: _corrupt_png(),
    "jpeg-header-then-garbage": lambda jpeg: jpeg[:600] + bytes(range(256)) * 8,
    "png-signature-only": lambda jpeg: b"\x89PNG\r\n\x1a\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_truncated_and_corrupt_files_are_refused(kind, jpeg_bytes):
    with pytest.raises(renditions.ImageRejected) as rejected:
        renditions.render(BROKEN[kind](jpeg_bytes()))

    assert rejected.value.code in {"corrupt", "unsupported_format"}
    assert rejected.value.code == ("unsupported_format" if kind == "png-signature-only" else "corrupt")

"""Bytes of an uploaded image in, encoded renditions out. Pure: no AWS, no logging, safe with hostile input.

The pipeline decodes once, as small as the largest rendition allows (JPEG draft mode lets libjpeg scale by 1/2,
1/4 or 1/8 while decoding, and a JPEG's largest width is chosen so that nothing else is needed), resamples at most
once (bicubic), and then halves with `reduce()` for each smaller width (one that an exact halving misses, such as
the gallery tile's 240 px under a 375 px rendition, is a small bicubic resample instead). Orientation, colour and
mode are fixed on the largest rendition, the smallest image they can be fixed on that every other rendition derives
from. The photo's facts (photo_facts.py) are read from the decoded image before its metadata is dropped, and the
placeholder (placeholder.py) is made from the smallest rendition's picture.
"""

import functools
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

# Importing the allowed plugins registers them, so Pillow never loads the rest of its decoders.
from PIL import GifImagePlugin, Image, ImageCms, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401
from pillow_heif import register_heif_opener

from jpeg_scans import decode_passes
from photo_facts import PhotoFacts, read_facts
from placeholder import Placeholder, fit, make_placeholder
from rendition_spec import ALLOWED_INPUT_FORMATS, MAX_PIXELS, SPEC, OutputFormat, Spec

register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
# Pillow's own bomb check runs while it reads the header; give it our cap (the Lambda process is ours alone).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ERROR_MESSAGES = {
    "empty": "the file is empty",
    "unsupported_format": "not a supported image",
    "too_large": "image too large",
    "corrupt": "the file is damaged or truncated",
}

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_WHITE = (255, 255, 255)
# EXIF orientation -> the transpose that shows the picture upright (the table ImageOps.exif_transpose uses).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112


class ImageRejected(Exception):
    """The bytes can never become renditions: retrying will not help. `code` is stable, `message` is for users."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.message = ERROR_MESSAGES[code]


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    format: OutputFormat
    data: bytes

    @property
    def name(self) -> str:
        return f"w{self.width}.{self.format.extension}"


@dataclass(frozen=True)
class Rendered:
    source_format: str  # Pillow's name: JPEG (MPO included), PNG, WEBP, GIF, HEIF
    width: int  # as displayed, after EXIF orientation
    height: int
    renditions: tuple[Rendition, ...]
    facts: PhotoFacts  # from EXIF: when, and with what camera
    placeholder: Placeholder  # what the gallery shows until a rendition loads


def render(data: bytes, spec: Spec = SPEC) -> Rendered:
    """Every rendition of `spec` for the image in `data`, largest first; raises ImageRejected for bad input."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > spec.max_source_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes")
    image = _open(data, spec)
    source_format, source_size = _format_name(image), image.size
    is_jpeg = source_format == "JPEG"
    # A JPEG's EXIF is in its header: the orientation is known before decoding, so draft can aim at the right size.
    orientation = _orientation(image) if is_jpeg else None
    if orientation is not None:
        largest = plan_sizes(*_turned(source_size, orientation), spec, jpeg=True)[0]
        image.draft(None, _turned(largest, orientation))  # libjpeg scales by 1/2, 1/4 or 1/8 while decoding
    _load(image)
    if orientation is None:
        orientation = _orientation(image)
    width, height = _turned(source_size, orientation)
    facts = read_facts(image)  # before _resizable drops the metadata
    sizes = plan_sizes(width, height, spec, jpeg=is_jpeg)
    largest = _shrink(_resizable(image), _turned(sizes[0], orientation))
    largest, profile = _settle_colour(largest, spec)
    renditions = []
    for picture in _cascade(largest, sizes, orientation):
        renditions += [
            Rendition(width=picture.width, height=picture.height, format=output, data=_encode(picture, output, profile))
            for output in spec.formats
        ]
    return Rendered(
        source_format=source_format,
        width=width,
        height=height,
        renditions=tuple(renditions),
        facts=facts,
        placeholder=make_placeholder(_as_srgb(fit(picture), profile)),  # the smallest: upright, alpha kept
    )


def plan_sizes(width: int, height: int, spec: Spec = SPEC, *, jpeg: bool = False) -> list[tuple[int, int]]:
    """Rendition sizes, largest first. A JPEG that libjpeg can decode straight to a size in spec.direct_widths gets
    that size and its halvings, the last no narrower than the spec's smallest width; any other image each spec
    width, never wider than the source nor taller than max_height."""
    direct = _direct_size(width, height, spec) if jpeg else None
    if direct is not None:
        sizes, smallest = [direct], min(spec.widths)
        while len(sizes) < len(spec.widths):
            half = (-(-sizes[-1][0] // 2), -(-sizes[-1][1] // 2))  # as reduce(2) rounds: up
            if half[0] < smallest:  # the gallery's tile needs the spec's smallest width, not a halving under it
                sizes.append((smallest, max(1, round(sizes[-1][1] * smallest / sizes[-1][0]))))
                break
            sizes.append(half)
        return sizes
    sizes = []
    for target in sorted(spec.widths, reverse=True):
        scale = min(target / width, spec.max_height / height, 1.0)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if size not in sizes:
            sizes.append(size)
    return sizes


def _direct_size(width: int, height: int, spec: Spec) -> tuple[int, int] | None:
    """The largest size libjpeg decodes to (1/1, 1/2, 1/4 or 1/8, rounded up as libjpeg does) whose width is in
    spec.direct_widths and whose height fits; None when there is none."""
    for scale in (1, 2, 4, 8):
        size = (-(-width // scale), -(-height // scale))
        if size[0] in spec.direct_widths and size[1] <= spec.max_height:
            return size
    return None


def _open(data: bytes, spec: Spec) -> Image.Image:
    """Read the header only, with the format allowlist, the pixel cap and the JPEG scan cap; no pixel is decoded
    yet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_INPUT_FORMATS)
    except Image.UnidentifiedImageError as error:
        raise ImageRejected("unsupported_format") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("too_large", str(error)) from error
    except MemoryError:
        raise
    except Exception as error:  # a parser choking on hostile bytes: the file is broken, not the function
        raise ImageRejected("corrupt", repr(error)) from error
    if image.width * image.height > spec.max_pixels:
        raise ImageRejected("too_large", f"{image.width}x{image.height}")
    if _format_name(image) == "JPEG":
        passes = decode_passes(data)
        if passes > spec.max_jpeg_scans:
            raise ImageRejected("corrupt", f"{passes} scans")
    return image


def _format_name(image: Image.Image) -> str:
    """Pillow's format name, except that a JPEG carrying an MP extension (MPO, written by many cameras) is a
    JPEG: its first picture is an ordinary JPEG, and the one we decode."""
    return "JPEG" if image.format == "MPO" else image.format


def _orientation(image: Image.Image) -> int:
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # unreadable EXIF: show the pixels as stored
        return 1
    return orientation if orientation in _TRANSPOSE else 1


def _turned(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Width and height swapped when the orientation turns the picture by 90 degrees (EXIF 5 to 8)."""
    return (size[1], size[0]) if orientation >= 5 else size


def _load(image: Image.Image) -> None:
    """Decode the first frame (Pillow opens animations at frame 0 and we never seek)."""
    try:
        image.load()
    except MemoryError:
        raise
    except Exception as error:
        raise ImageRejected("corrupt", repr(error)) from error


def _resizable(image: Image.Image) -> Image.Image:
    """The decoded pixels in a mode Pillow can resample (8 bits, no palette), with every piece of metadata gone
    except the ICC profile, which _settle_colour consumes."""
    icc_profile = image.info.get("icc_profile")
    if image.mode.startswith("I"):  # 16-bit greyscale: scale to 8 bits (convert("L") would clip at 255)
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode in ("P", "PA", "1"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # EXIF (GPS), XMP and comments stop here and never reach an encoder.
    image.info = {"icc_profile": icc_profile} if icc_profile else {}
    return image


def _cascade(image: Image.Image, sizes: list[tuple[int, int]], orientation: int) -> Iterator[Image.Image]:
    """The largest picture (already sized, as stored) upright, then each smaller size resampled from the previous;
    holds one picture at a time."""
    if orientation in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[orientation])
    yield image
    for size in sizes[1:]:
        image = _shrink(image, size)
        yield image


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Bicubic, after a box reduce to within 2x of the size: Lanczos' quality within the benchmark's SSIM bound, at
    a fraction of its time (docs/architecture.md#renditions)."""
    if image.size == size:
        return image
    factor = round(image.width / size[0])
    if factor > 1 and (image.width, image.height) == (size[0] * factor, size[1] * factor):
        return image.reduce(factor)  # an exact halving: a box filter is as good here and far cheaper
    # An odd side would leave reduce() a half-empty last box: the picture shifts, so resample instead.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=1.0)


def _settle_colour(image: Image.Image, spec: Spec) -> tuple[Image.Image, bytes | None]:
    """8-bit RGB or RGBA (alpha only if any pixel uses it) with no metadata left, and the ICC profile the renditions
    carry: a small RGB one that is not sRGB is kept as it is (browsers apply it); any other is applied here."""
    has_alpha = "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255
    mode = "RGBA" if has_alpha else "RGB"
    icc_profile = image.info.pop("icc_profile", None)
    source = _profile(icc_profile) if icc_profile else None
    kept = None
    if source is not None and image.mode == mode and _keepable(source, len(icc_profile), spec):
        kept = icc_profile
    elif source is not None and not _is_srgb(source):
        image = _to_srgb(image, icc_profile, mode)
    if image.mode != mode:
        image = image.convert(mode)
    image.info = {}
    return image, kept


def _profile(icc_profile: bytes) -> ImageCms.ImageCmsProfile | None:
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken profile: the pixels are better shown as they are than not at all


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    return "sRGB" in (ImageCms.getProfileDescription(profile) or "")


def _keepable(profile: ImageCms.ImageCmsProfile, size: int, spec: Spec) -> bool:
    return size <= spec.max_kept_profile_bytes and profile.profile.xcolor_space == "RGB " and not _is_srgb(profile)


def _as_srgb(picture: Image.Image, profile: bytes | None) -> Image.Image:
    """The picture in sRGB, for what is computed rather than shown by a browser (the placeholder's colours)."""
    return _to_srgb(picture, profile, picture.mode) if profile else picture


def _to_srgb(image: Image.Image, profile: bytes, mode: str) -> Image.Image:
    transform = _srgb_transform(profile, image.mode, mode)
    try:
        return ImageCms.applyTransform(image, transform) if transform is not None else image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile that does not fit the pixels: shown as they are


@functools.lru_cache(maxsize=8)
def _srgb_transform(profile: bytes, input_mode: str, output_mode: str) -> ImageCms.ImageCmsTransform | None:
    """Built once per profile in a warm function: a phone's photos share one (Display P3)."""
    source = _profile(profile)
    try:
        return ImageCms.buildTransform(source, _SRGB, input_mode, output_mode) if source is not None else None
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _encode(image: Image.Image, output: OutputFormat, profile: bytes | None = None) -> bytes:
    if image.mode == "RGBA" and not output.keeps_alpha:
        flat = Image.new("RGB", image.size, _WHITE)
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    image.save(buffer, output.pillow_format, **output.options, **({"icc_profile": profile} if profile else {}))
    return buffer.getvalue()

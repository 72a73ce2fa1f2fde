"""What the resize function makes of every photo, in one place: widths, formats, encoder settings and limits.

Widths double from one to the next (240, 480, 960, 1920) so that each smaller rendition is an exact 2x2 `reduce()`
of the one above it: the cascade decodes once and resamples (bicubic) once, and the halvings cost almost
nothing. 240 fits the gallery card at 1x and 480 at 2x; 960 serves phones; 1920 serves the detail page on
large and high-density screens. A JPEG whose width halves, quarters or eighths into DIRECT_WIDTHS gets that width
instead, straight from the decoder, and halvings of it: no resampling at all. WebP only: every browser in use shows
it. docs/architecture.md ("Renditions") gives the reasons and links the measurements.
"""

from dataclasses import dataclass, field

# Formats Pillow may even try to parse: everything else is refused before a decoder runs.
ALLOWED_INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF")

# 50 MP covers every phone and most cameras; decoded it is 200 MB at most (RGBA), which the Lambda can hold.
MAX_PIXELS = 50_000_000
# The site's presigned POST caps uploads at 25 MB; anything bigger did not come through the site.
MAX_SOURCE_BYTES = 50 * 2**20
# The largest rendition a JPEG may get straight from libjpeg's 1/2, 1/4 or 1/8 scaled decoding (3648 -> 1824,
# 4032 -> 2016, 6000 -> 1500), rather than the 1920 that would need a full resample.
DIRECT_WIDTHS = range(1440, 2049)
# A colour profile this small, RGB and not sRGB (Display P3, Adobe RGB) travels with the renditions: browsers
# colour-manage tagged images, so wide-gamut colours survive and no pixel is converted. Bigger ones are converted.
MAX_KEPT_PROFILE_BYTES = 2048
# A very tall image is limited by height as well, so no rendition exceeds 1920 x 4096 (WebP's limit is 16383).
MAX_RENDITION_HEIGHT = 4096
# libjpeg decodes a progressive JPEG scan by scan, each pass over the whole image: ~20,000 copies of one 98-byte
# scan (2 MiB) keep a 49 MP decode busy for over a minute. Encoders write about 10 scans (an EXIF thumbnail adds
# one, each further MPO picture its own), so 100 leaves room for any real photo and bounds the decode time
# (jpeg_scans.py counts them, and knows a camera's one-pass JPEG from its header alone).
MAX_JPEG_SCANS = 100


@dataclass(frozen=True)
class OutputFormat:
    name: str  # as written in the manifest
    extension: str
    pillow_format: str
    content_type: str
    keeps_alpha: bool
    options: dict = field(default_factory=dict)  # Pillow's save() arguments


# Quality 82 is where JPEG artefacts stop being visible at web sizes. Optimized Huffman tables cost ~11 ms a
# photo for ~1% fewer bytes on every view; progressive scans would cost 2.5x the encode time for ~3% fewer bytes
# (see README.md).
JPEG = OutputFormat(
    name="jpeg",
    extension="jpg",
    pillow_format="JPEG",
    content_type="image/jpeg",
    keeps_alpha=False,
    options={"quality": 82, "optimize": True, "progressive": False},
)
# WebP quality 80 looks like JPEG 82 at about 70% of the bytes. Method 2, measured: 2.2x faster than libwebp's
# default 4 for 5% more bytes; 0 and 1 cost 10-12% more bytes (see README.md).
WEBP = OutputFormat(
    name="webp",
    extension="webp",
    pillow_format="WEBP",
    content_type="image/webp",
    keeps_alpha=True,
    options={"quality": 80, "method": 2},
)


@dataclass(frozen=True)
class Spec:
    widths: tuple[int, ...] = (1920, 960, 480, 240)
    formats: tuple[OutputFormat, ...] = (WEBP,)
    direct_widths: range = DIRECT_WIDTHS
    max_kept_profile_bytes: int = MAX_KEPT_PROFILE_BYTES
    max_pixels: int = MAX_PIXELS
    max_source_bytes: int = MAX_SOURCE_BYTES
    max_height: int = MAX_RENDITION_HEIGHT
    max_jpeg_scans: int = MAX_JPEG_SCANS


SPEC = Spec()

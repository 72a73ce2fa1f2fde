"""Copies the gallery screenshots that tests/e2e/test_layout.py takes into docs/screenshots/ (README, frontend.md).

Each keeps its first screenful (the test's window is 800 px high) and is quantized to a palette until it weighs at
most MAX_BYTES. Run it after the layout tests:

    .venv/bin/pytest tests/e2e/test_layout.py -k gallery && .venv/bin/python -m tests.e2e.readme_screenshots
"""

import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
TAKEN = ROOT / "test-output" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
# README name: the layout test's screenshot (page-width.png)
SOURCES = {"gallery-phone.png": "gallery-390.png", "gallery-laptop.png": "gallery-1366.png"}
SCREEN_HEIGHT = 800
MAX_BYTES = 300_000


def small_png(image: Image.Image) -> bytes:
    """The image as a palette PNG: 256 colours, fewer if that is still too heavy."""
    for colors in (256, 192, 128, 96, 64):
        buffer = io.BytesIO()
        image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, "PNG", optimize=True
        )
        if buffer.tell() <= MAX_BYTES:
            return buffer.getvalue()
    raise SystemExit(f"cannot make it {MAX_BYTES} bytes or less")


def main() -> int:
    DOCS.mkdir(parents=True, exist_ok=True)
    for target, source in SOURCES.items():
        path = TAKEN / source
        if not path.exists():
            print(f"{path} is missing: run the layout tests first", file=sys.stderr)
            return 1
        image = Image.open(path).convert("RGB")
        screen = image.crop((0, 0, image.width, min(image.height, SCREEN_HEIGHT)))
        content = small_png(screen)
        (DOCS / target).write_bytes(content)
        print(f"{DOCS / target}: {screen.width}×{screen.height}, {len(content) // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A deployed-like site holding one user's gallery, for the page measurements (bench/lighthouse.py).

The local stack of bench/local_site.py, with the site as production runs it (bench/deployed_settings.py: static
files collected and compressed by whitenoise's manifest storage, DEBUG and local mode off). A user signs up through
the site's form and uploads 30 phone-like JPEGs with EXIF through the upload API (presign, POST to S3, confirm); the
resize function running in the stack makes their renditions.

    with GallerySite(workdir) as site:
        site.url, site.cookies, site.newest_photo_id
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageEnhance

from bench.camera_jpeg import camera_jpeg
from bench.local_site import LocalSite
from bench.resize_images import photo_like
from bench.site_client import SiteClient, confirmation_link_in
from devstack.stack import ROOT

PHOTOS = 30
READY_TIMEOUT_SECONDS = 300
CONFIRMATION_TIMEOUT_SECONDS = 60
EMAIL = "lighthouse@example.com"
# The newest photo (first tile, and the viewer's page) has a 120-character name, as phones and exports make them.
LONG_NAME = ("Family dinner on the terrace at sunset, last evening of the summer holidays in Brittany, with everyone "
             "there at last.jpg")  # fmt: skip
CAMERAS = [
    ("Apple", "iPhone 13", "iPhone 13 back dual wide camera 5.1mm f/1.6", 1.6, 5.1),
    ("Google", "Pixel 8", "Pixel 8 back camera 6.9mm f/1.68", 1.7, 6.9),
    ("FUJIFILM", "X-T4", "XF23mmF2 R WR", 2.0, 23.0),
]
# Crops of the bases: landscape 4:3 and 3:2, portrait 3:4, square; a few carry EXIF Orientation 6 (rotated).
SHAPES = [(2400, 1800), (2400, 1600), (1350, 1800), (1800, 1800), (2400, 1350)]


def gallery_photos(count: int = PHOTOS) -> list[tuple[str, bytes]]:
    """(file name, JPEG) pairs, oldest first: crops, mirrors and tints of three photo-like frames, each different,
    taken over four days with camera, exposure, time offset and a thumbnail in their EXIF, as a phone writes them."""
    bases = [photo_like(2400, 1800, seed=seed) for seed in (11, 12, 13)]
    photos = []
    for index in range(count):
        base = bases[index % 3]
        width, height = SHAPES[index % len(SHAPES)]
        left, top = (index * 97) % (2400 - width + 1), (index * 53) % (1800 - height + 1)
        image = base.crop((left, top, left + width, top + height))
        if index % 2:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        image = ImageEnhance.Color(image).enhance(0.6 + (index % 5) * 0.2)
        image = ImageEnhance.Brightness(image).enhance(0.85 + (index % 4) * 0.1)
        name = LONG_NAME if index == count - 1 else f"IMG_{4100 + index:04d}.JPG"
        photos.append((name, camera_jpeg(image, _exif(index), quality=88)))
    return photos


def _exif(index: int) -> Image.Exif:
    make, model, lens, f_number, focal_length = CAMERAS[index % len(CAMERAS)]
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model  # Make, Model
    if index % 7 == 3:
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    day, minute = 1 + index * 4 // PHOTOS, index * 17 % 600
    details = exif.get_ifd(0x8769)
    details[0x9003] = f"2024:07:{day:02d} {9 + minute // 60:02d}:{minute % 60:02d}:{index % 60:02d}"  # DateTimeOriginal
    details[0x9011] = "+02:00"  # OffsetTimeOriginal
    details[0x829A] = 1 / (60 * (1 + index % 4))  # ExposureTime
    details[0x829D] = f_number  # FNumber
    details[0x8827] = 50 * (1 + index % 8)  # ISOSpeedRatings
    details[0x920A] = focal_length  # FocalLength
    details[0xA434] = lens  # LensModel
    return exif


class GallerySite(LocalSite):
    def __init__(self, workdir: Path, *, photos: int = PHOTOS):
        workdir = Path(workdir)
        self.static_root = workdir / "static"
        self.photo_count = photos
        self.client: SiteClient | None = None
        self.photo_ids: list[str] = []  # in upload order, oldest taken first
        super().__init__(workdir, concurrency={"resize": 2}, site_environment=self._environment())

    def _environment(self) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "bench.deployed_settings",
            "DARKROOM_STATIC_ROOT": str(self.static_root),
            "DJANGO_STATICFILES_STORAGE": "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "DARKROOM_LOCAL": "",
            "DJANGO_SECRET_KEY": "bench-gallery-site-not-a-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SSL_REDIRECT": "0",
        }

    def __enter__(self) -> "GallerySite":
        self.workdir.mkdir(parents=True, exist_ok=True)
        environment = {**os.environ, **self.site_environment, "PYTHONPATH": str(ROOT)}
        # As the deploy does before `zappa package` (docs/deploying.md, step 4), into a folder of this run's own.
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"]
        subprocess.run(command, cwd=ROOT, env=environment, check=True)
        photos = gallery_photos(self.photo_count)
        super().__enter__()
        try:
            self._fill(photos)
        except BaseException:
            self.stop()
            raise
        return self

    def _fill(self, photos: list[tuple[str, bytes]]) -> None:
        self.client = SiteClient(self.url)
        # A deployed site has no local outbox page: the confirmation link is read from moto's SES instead.
        self.client.signup(EMAIL, confirm=False)
        self.client.open_confirmation(self._confirmation_link(EMAIL))
        with ThreadPoolExecutor(max_workers=4) as pool:  # oldest first: the upload order decides nothing shown
            ids = list(pool.map(lambda photo: self.client.upload(photo[1], photo[0]), photos))
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while (states := self.client.statuses(ids)) and set(states.values()) != {"ready"}:
            if "failed" in states.values() or time.monotonic() > deadline:
                raise RuntimeError(f"photos not ready: {sorted(states.values())}; see {self.workdir}")
            time.sleep(0.5)
        self.photo_ids = ids

    def _confirmation_link(self, email: str) -> str:
        deadline = time.monotonic() + CONFIRMATION_TIMEOUT_SECONDS
        while not (links := [link for body in self.email_bodies_to(email) if (link := confirmation_link_in(body))]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no confirmation email to {email} after {CONFIRMATION_TIMEOUT_SECONDS} s")
            time.sleep(0.5)
        return links[-1]

    @property
    def newest_photo_id(self) -> str:
        """The gallery's first tile: the photo with the long name."""
        return self.photo_ids[-1]

    @property
    def cookies(self) -> dict[str, str]:
        """The logged-in browser's cookies: its session and CSRF token."""
        return {name: self.client.cookies[name] for name in ("sessionid", "csrftoken")}

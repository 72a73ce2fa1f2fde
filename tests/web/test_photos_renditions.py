"""What the gallery tile, the photo page and the viewer serve: WebP at whatever widths the manifest lists, and, for
photos developed before resize wrote WebP only, their JPEG and WebP at 240/480/960/1920 exactly as before."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.web.factories import deliver_manifest, jpeg_and_webp_manifest_for, make_photo, manifest_with
from web.photos import selectors

pytestmark = pytest.mark.django_db

# JPEGs whose width libjpeg halves, quarters or eighths into 1440-2048: that width, then exact halvings.
DIRECT_SIZES = {
    "10 MP, 3648 px": ((3648, 2736), ((1824, 1368), (912, 684), (456, 342), (228, 171))),
    "24 MP, 6000 px": ((6000, 4000), ((1500, 1000), (750, 500), (375, 250), (188, 125))),
}
# The renditions each tile lists: up to the first at least 880 wide (220 CSS px on a 4x screen).
TILE_WIDTHS = {"10 MP, 3648 px": [228, 456, 912], "24 MP, 6000 px": [188, 375, 750, 1500]}


class Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict]:
    return [attrs for tag, attrs in Tags(html).found if tag == name]


def rendition_name(url: str) -> str:
    """The rendition file a (presigned or redirect) URL points at: w960.webp, or the viewer's w960."""
    return urlsplit(url).path.rsplit("/", 1)[1]


def srcset(value: str) -> list[tuple[str, int]]:
    """A srcset's candidates as (rendition file, width); each must name the rendition of its width."""
    candidates = []
    for candidate in value.split(", "):
        url, width = candidate.split(" ")
        candidates.append((rendition_name(url), int(width.removesuffix("w"))))
        assert rendition_name(url).startswith(f"w{candidates[-1][1]}"), candidate
    return candidates


def ready(user, s3, settings, document_for):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, document_for(photo))
    photo.refresh_from_db()
    return photo


@pytest.fixture(params=list(DIRECT_SIZES))
def direct(request, user, s3, settings):
    """A photo developed now: WebP only, at the widths its JPEG decodes to directly."""
    source, sizes = DIRECT_SIZES[request.param]
    photo = ready(user, s3, settings, lambda photo: manifest_with(photo, source=source, sizes=sizes))
    return photo, sizes, TILE_WIDTHS[request.param]


@pytest.fixture
def developed_before(user, s3, settings):
    return ready(user, s3, settings, jpeg_and_webp_manifest_for)


def gallery_tile(client, photo) -> tuple[dict, dict]:
    """The tile's link (the viewer's data) and its <img>."""
    html = client.get("/photos/").content.decode()
    html = html[html.index(f'data-photo-id="{photo.pk}"') :]
    return tags(html, "a")[0], tags(html, "img")[0]


def test_a_tile_shows_webp_at_the_widths_the_manifest_lists(user_client, direct):
    photo, sizes, tile_widths = direct
    (largest_width, largest_height), *_ = sizes

    _, image = gallery_tile(user_client, photo)

    assert srcset(image["srcset"]) == [(f"w{width}.webp", width) for width in tile_widths]
    # the smallest at least 320 px wide: enough for a tile before the browser has read the srcset
    assert rendition_name(image["src"]) == f"w{tile_widths[1]}.webp"
    assert (image["width"], image["height"]) == (str(largest_width), str(largest_height))


def test_the_viewer_gets_every_width_the_manifest_lists(user_client, direct):
    photo, sizes, _ = direct
    widths = sorted(width for width, _ in sizes)

    link, _ = gallery_tile(user_client, photo)

    assert selectors.photo_viewer_widths(photo=photo) == widths
    assert link["data-pswp-src"] == f"/photos/{photo.pk}/w{widths[-1]}"
    assert srcset(link["data-pswp-srcset"]) == [(f"w{width}", width) for width in widths]
    assert (link["data-pswp-width"], link["data-pswp-height"]) == tuple(str(side) for side in sizes[0])


def test_each_of_the_viewers_widths_redirects_to_its_webp(user_client, direct):
    photo, sizes, _ = direct

    for width, _ in sizes:
        response = user_client.get(f"/photos/{photo.pk}/w{width}")
        assert response.status_code == 302 and rendition_name(response["Location"]) == f"w{width}.webp"
    # a width the photo was not made at, such as the old fixed ones, is not there
    assert user_client.get(f"/photos/{photo.pk}/w960").status_code == 404


def test_the_photo_page_of_a_webp_only_photo_is_one_img(user_client, direct):
    photo, sizes, _ = direct
    widths = sorted(width for width, _ in sizes)

    html = user_client.get(f"/photos/{photo.pk}/").content.decode()

    assert not tags(html, "picture") and not tags(html, "source")
    (large,) = [image for image in tags(html, "img") if "srcset" in image]
    assert srcset(large["srcset"]) == [(f"w{width}.webp", width) for width in widths]
    assert rendition_name(large["src"]) == f"w{widths[-1]}.webp"
    assert (large["width"], large["height"]) == tuple(str(side) for side in sizes[0])
    assert '<div class="large">' in html


def test_a_tile_developed_before_shows_as_it_did(user_client, developed_before):
    link, image = gallery_tile(user_client, developed_before)

    assert srcset(image["srcset"]) == [("w240.webp", 240), ("w480.webp", 480), ("w960.webp", 960)]
    assert rendition_name(image["src"]) == "w480.webp"
    assert (image["width"], image["height"]) == ("1920", "1440")
    assert srcset(link["data-pswp-srcset"]) == [("w240", 240), ("w480", 480), ("w960", 960), ("w1920", 1920)]
    assert (link["data-pswp-src"], link["data-pswp-width"]) == (f"/photos/{developed_before.pk}/w1920", "1920")


def test_the_viewer_of_a_photo_developed_before_still_gets_webp(user_client, developed_before):
    assert selectors.photo_viewer_widths(photo=developed_before) == [240, 480, 960, 1920]

    response = user_client.get(f"/photos/{developed_before.pk}/w1920")

    assert response.status_code == 302 and rendition_name(response["Location"]) == "w1920.webp"


def test_the_photo_page_of_a_photo_developed_before_keeps_its_picture(user_client, developed_before):
    html = user_client.get(f"/photos/{developed_before.pk}/").content.decode()

    # a WebP <source> over the JPEG <img>, as before
    (source,) = tags(html, "source")
    assert source["type"] == "image/webp"
    assert srcset(source["srcset"]) == [(f"w{width}.webp", width) for width in (240, 480, 960, 1920)]
    (large,) = [image for image in tags(html, "img") if "srcset" in image]
    assert srcset(large["srcset"]) == [(f"w{width}.jpg", width) for width in (240, 480, 960, 1920)]
    assert rendition_name(large["src"]) == "w1920.jpg"
    assert (large["width"], large["height"]) == ("1920", "1440")
    assert '<picture class="large">' in html

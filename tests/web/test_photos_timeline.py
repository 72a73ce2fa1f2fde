"""The gallery's timeline: newest first by the day taken, in steps keyed on a photo, the Trash left out."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.factories import deliver_manifest, make_photo, manifest_for
from web.photos import selectors

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def photos_at(owner, *hours_ago: int, **fields):
    return [make_photo(owner, timeline_at=NOON - timedelta(hours=hours), **fields) for hours in hours_ago]


def test_timeline_is_newest_first_with_ties_in_a_stable_order(user):
    # GIVEN two photos at the very same moment and an older one
    same = photos_at(user, 0, 0)
    older = photos_at(user, 30)

    photos, _ = selectors.photo_page(owner=user, after=None, size=10)

    assert photos == sorted(same, key=lambda photo: photo.pk, reverse=True) + older


def test_steps_follow_on_from_a_photo_without_gaps_or_repeats(user):
    made = photos_at(user, *range(7))

    first, last = selectors.photo_page(owner=user, after=None, size=3)
    second, last2 = selectors.photo_page(owner=user, after=last.pk, size=3)
    third, last3 = selectors.photo_page(owner=user, after=last2.pk, size=3)

    assert first + second + third == made
    assert last3 is None


def test_a_new_upload_does_not_shift_the_next_step(user):
    made = photos_at(user, 1, 2, 3)
    first, last = selectors.photo_page(owner=user, after=None, size=2)

    photos_at(user, 0)  # uploaded while the owner scrolls

    assert selectors.photo_page(owner=user, after=last.pk, size=2)[0] == made[2:]


def test_days_group_photos_by_the_day_they_sit_in_the_timeline(user):
    photos = photos_at(user, 0, 1, 24, 25)

    days = selectors.photo_days(photos=photos)

    assert [(day.day.isoformat(), len(day.photos)) for day in days] == [("2026-06-01", 2), ("2026-05-31", 2)]


def test_gallery_shows_day_headings_and_a_link_to_older_photos(user_client, user, settings):
    settings.DARKROOM_PHOTOS_PER_PAGE = 2
    newest, middle, oldest = photos_at(user, 0, 1, 48)

    html = user_client.get("/photos/").content.decode()

    assert '<time datetime="2026-06-01">Monday 1 June 2026</time>' in html
    assert html.index(str(newest.pk)) < html.index(str(middle.pk))
    assert str(oldest.pk) not in html
    assert f'href="/photos/?after={middle.pk}"' in html and f'data-next="/photos/more/?after={middle.pk}"' in html


def test_the_next_step_is_a_fragment_with_its_own_heading(user_client, user, settings):
    settings.DARKROOM_PHOTOS_PER_PAGE = 2
    newest, middle, oldest = photos_at(user, 0, 1, 48)

    response = user_client.get("/photos/more/", {"after": middle.pk})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert str(oldest.pk) in html and '<time datetime="2026-05-30">' in html
    assert 'class="more"' not in html  # nothing older


@pytest.mark.parametrize("after", ["not-a-uuid", str(uuid.uuid4())], ids=["not-a-uuid", "unknown-uuid"])
def test_a_step_after_an_unknown_photo_is_a_404(user_client, after):
    assert user_client.get("/photos/more/", {"after": after}).status_code == 404
    assert user_client.get("/photos/", {"after": after}).status_code == 404


def test_a_step_after_another_users_photo_is_a_404(user_client, other_user):
    theirs = make_photo(other_user)

    assert user_client.get("/photos/more/", {"after": theirs.pk}).status_code == 404


def test_gallery_never_shows_another_users_or_trashed_photos(user_client, user, other_user):
    mine = make_photo(user, filename="mine.jpg")
    make_photo(other_user, filename="not-mine.jpg")
    make_photo(user, filename="binned.jpg", trashed_at=NOON)

    html = user_client.get("/photos/").content.decode()

    assert str(mine.pk) in html and "not-mine.jpg" not in html and "binned.jpg" not in html


def test_a_developed_photo_moves_to_the_day_it_was_taken(user_client, user, s3, settings):
    # GIVEN a photo uploaded today whose camera says it was taken on 1 June 2024, 14:03 at UTC+2
    photo = make_photo(user)
    document = manifest_for(photo)
    document["source"]["taken_at"] = "2024-06-01T14:03:22+02:00"
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, document)

    # WHEN the page learns it is ready
    user_client.get("/api/photos/status", {"ids": str(photo.pk)})

    # THEN it sits on the camera's own day and shows the camera's clock with its offset
    photo.refresh_from_db()
    assert photo.timeline_at == datetime(2024, 6, 1, 14, 3, 22, tzinfo=UTC) and photo.taken_offset == 120
    html = user_client.get("/photos/").content.decode()
    assert '<time datetime="2024-06-01">Saturday 1 June 2024</time>' in html
    assert "Sat, 1 Jun 2024, 14:03 (UTC+02:00)" in user_client.get(f"/photos/{photo.pk}/").content.decode()


def test_a_ready_tile_carries_what_the_viewer_needs(user_client, user, s3, settings):
    photo = make_photo(user)
    document = manifest_for(photo)
    document["placeholder"] = {"thumbhash": "1QcSHQRnh493V4dIh4eXh1h4kJUI", "color": "#5a6b7c"}
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, document)

    html = user_client.get("/api/photos/status", {"ids": str(photo.pk)}).json()["photos"][str(photo.pk)]["html"]

    assert 'data-thumbhash="1QcSHQRnh493V4dIh4eXh1h4kJUI"' in html and 'data-color="#5a6b7c"' in html
    assert f'data-pswp-src="/photos/{photo.pk}/w2016"' in html
    assert 'data-pswp-width="2016" data-pswp-height="1512"' in html
    assert f"/photos/{photo.pk}/w504 504w" in html
    # the tile itself loads small WebP renditions straight from the bucket; the viewer's large ones never
    assert "w504.webp" in html and "w2016.webp" not in html


def test_the_viewers_image_redirects_to_a_fresh_link(user_client, user, s3, settings):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    user_client.get("/api/photos/status", {"ids": str(photo.pk)})

    response = user_client.get(f"/photos/{photo.pk}/w2016")

    assert response.status_code == 302
    assert f"renditions/{photo.pk}/w2016.webp" in response["Location"] and "X-Amz-Signature=" in response["Location"]
    assert user_client.get(f"/photos/{photo.pk}/w1234").status_code == 404


def test_photo_page_links_its_neighbours_in_the_timeline(user_client, user):
    newer, this, older = photos_at(user, 0, 1, 2)

    html = user_client.get(f"/photos/{this.pk}/").content.decode()

    assert f'rel="prev" href="/photos/{newer.pk}/"' in html and f'rel="next" href="/photos/{older.pk}/"' in html


def test_the_first_screenful_loads_at_once_and_the_rest_lazily(user_client, user, s3, settings):
    photos = photos_at(user, *range(14))
    for photo in photos:
        document = manifest_for(photo)
        del document["source"]["taken_at"]  # each keeps its own place in the timeline
        deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, document)
    user_client.get("/api/photos/status", {"ids": ",".join(str(photo.pk) for photo in photos)})

    html = user_client.get("/photos/").content.decode()

    tags = [html[html.index("<img", html.index(f'data-photo-id="{photo.pk}"')) :].split(">", 1)[0] for photo in photos]
    assert ['fetchpriority="high"' in tag for tag in tags] == [True] * 3 + [False] * 11
    assert ['loading="lazy"' in tag for tag in tags] == [False] * 12 + [True] * 2
    # a later step is all lazy
    more = user_client.get("/photos/more/", {"after": photos[0].pk}).content.decode()
    assert 'fetchpriority="high"' not in more and more.count('loading="lazy"') == 13


def test_a_tile_signs_only_the_renditions_it_shows(user_client, user, s3, settings, monkeypatch):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    user_client.get("/api/photos/status", {"ids": str(photo.pk)})
    signed = []
    real = selectors.rendition_url
    monkeypatch.setattr(selectors, "rendition_url", lambda *, key: signed.append(key) or real(key=key))

    user_client.get("/photos/")

    # the three WebP tile widths, each once; the largest is the viewer's, fetched through a redirect
    assert sorted(key.rsplit("/", 1)[1] for key in signed) == ["w1008.webp", "w252.webp", "w504.webp"]

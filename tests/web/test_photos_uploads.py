"""The upload rules that need no request: a filename is only a label."""

import pytest

from web.photos.uploads import UploadError, clean_filename


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("holiday.jpg", "holiday.jpg"), ("../../x.jpg", "x.jpg"), ("C:\\Users\\me\\y.png", "y.png"), (" z.gif ", "z.gif")],
)
def test_clean_filename_keeps_only_the_name(raw, clean):
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "a\x00b.jpg", "a\u2029b.jpg", None])
def test_clean_filename_refuses_what_cannot_be_a_label(raw):
    with pytest.raises(UploadError):
        clean_filename(raw)

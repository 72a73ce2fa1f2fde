"""Lengths of time in the words a page or an email says them."""


def duration_text(seconds: int) -> str:
    """ "3 days", "1 hour", "90 minutes": how long a link works, or how long to wait."""
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"

"""Absolute links for emails: the site's public root (DARKROOM_SITE_URL) plus a view's path."""

from urllib.parse import urljoin

from django.conf import settings
from django.urls import get_script_prefix, reverse


def site_url(view_name: str, *args) -> str:
    # Under Zappa on API Gateway's default host the request's script prefix is /<stage>/, and DARKROOM_SITE_URL
    # already ends with it: join the prefix-less path so it appears once.
    path = reverse(view_name, args=args).removeprefix(get_script_prefix())
    return urljoin(settings.DARKROOM_SITE_URL, path)

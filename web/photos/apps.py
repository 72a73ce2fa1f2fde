from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "web.photos"
    label = "photos"
    verbose_name = "Photos"

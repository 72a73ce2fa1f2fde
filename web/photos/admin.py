from django.contrib import admin

from web.photos.models import Photo
from web.photos.services import photo_delete


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "status", "failure_message", "resize_attempts", "created_at"]
    list_filter = ["status", "failure_code"]
    search_fields = ["filename", "owner__email", "id", "correlation_id"]
    list_select_related = ["owner"]
    readonly_fields = [
        "id",
        "owner",
        "original_key",
        "etag",
        "content_type",
        "size_bytes",
        "width",
        "height",
        "renditions",
        "correlation_id",
        "created_at",
        "resize_requested_at",
    ]

    # Deleting here removes the photo's S3 objects too, exactly like the site's Delete button.
    def delete_model(self, request, obj: Photo) -> None:
        photo_delete(photo=obj)

    def delete_queryset(self, request, queryset) -> None:
        for photo in queryset:
            photo_delete(photo=photo)

import time

from django.contrib import admin

from web.photos.models import Photo

# The action's share of a request: API Gateway gives up at 29 s. What is left is the next click's.
ADMIN_ACTION_SECONDS = 20


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "status", "failure_message", "resize_attempts", "created_at", "trashed_at"]
    list_filter = ["status", "failure_code", ("trashed_at", admin.EmptyFieldListFilter)]
    search_fields = ["filename", "owner__email", "id", "correlation_id"]
    actions = ["develop_again"]
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
        "taken_at",
        "taken_offset",
        "camera",
        "thumbhash",
        "color",
        "timeline_at",
    ]

    # Deleting here removes the photo's S3 objects too, exactly like the site's Delete button.
    # (imported here: services pull in boto3, which the site's cold start should not pay for at django.setup())
    def delete_model(self, request, obj: Photo) -> None:
        from web.photos.services import photo_delete

        photo_delete(photo=obj)

    def delete_queryset(self, request, queryset) -> None:
        from web.photos.services import photo_delete

        for photo in queryset:
            photo_delete(photo=photo)

    @admin.action(description="Develop the selected failed photos again")
    def develop_again(self, request, queryset) -> None:
        from web.photos.services import photos_redevelop, redevelop_summary

        counts = photos_redevelop(photos=queryset, deadline=time.monotonic() + ADMIN_ACTION_SECONDS)
        self.message_user(
            request,
            redevelop_summary(counts) + ". Failures no fix can undo (an empty, missing or"
            " replaced file) and photos in the Trash are not retried.",
        )

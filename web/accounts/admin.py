from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from web.accounts.models import User


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreateForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "email_verified_at", "is_staff", "is_active", "date_joined", "last_login"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Address", {"fields": ["email_verified_at", "email_pending", "verification_sent_at", "mail_stopped_at"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "password_reset_requested_at", "deletion_requested_at"]}),
    ]
    readonly_fields = [
        "password_reset_requested_at",
        "deletion_requested_at",
        "email_verified_at",
        "email_pending",
        "verification_sent_at",
        "mail_stopped_at",
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]})]
    list_filter = ["is_staff", "is_active"]

    # An account's photos live in S3 as well as in rows: delete both.
    # (imported here: deletion pulls in boto3, which the site's cold start should not pay for at django.setup())
    def delete_model(self, request, obj: User) -> None:
        from web.accounts.deletion import user_delete

        user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        from web.accounts.deletion import user_delete

        for user in queryset:
            user_delete(user=user)

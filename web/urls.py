from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web import views
from web.accounts import views as account_views
from web.accounts.forms import AdminLoginForm, LoginForm
from web.photos import api as photo_api
from web.photos import views as photo_views

admin.site.login_form = AdminLoginForm
# JSON for the API's 400s (an oversized body is a 413 there), Django's page elsewhere.
handler400 = "web.photos.api.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("signup/", account_views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/delete/", account_views.account_delete, name="account_delete"),
    path("account/mail/resume/", account_views.mail_resume, name="mail_resume"),
    path("account/address/", account_views.address_change, name="address_change"),
    path("account/address/resend/", account_views.verification_resend, name="verification_resend"),
    path("account/confirm/<str:token>/", account_views.address_confirm, name="address_confirm"),
    path("password/reset/", account_views.password_reset, name="password_reset"),
    path("password/reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("photos/", photo_views.gallery, name="gallery"),
    path("photos/more/", photo_views.gallery_page, name="gallery_page"),
    path("photos/<uuid:photo_id>/", photo_views.photo_detail, name="photo_detail"),
    path("photos/<uuid:photo_id>/w<int:width>", photo_views.photo_rendition, name="photo_rendition"),
    path("photos/<uuid:photo_id>/original/", photo_views.photo_original, name="photo_original"),
    path("photos/trash/", photo_views.trash, name="trash"),
    path("photos/trash/move/", photo_views.photos_trash, name="photos_trash"),
    path("photos/trash/restore/", photo_views.photos_restore, name="photos_restore"),
    path("photos/trash/delete/", photo_views.trash_delete, name="trash_delete"),
    path("api/uploads/presign", photo_api.upload_presign, name="upload_presign"),
    path("api/uploads/confirm", photo_api.upload_confirm, name="upload_confirm"),
    path("api/photos/status", photo_api.photo_status, name="photo_status"),
    path("staff/", include("web.ops.urls")),
    path("admin/", admin.site.urls),
]

if settings.DARKROOM_LOCAL:
    urlpatterns.append(path("local/", include("devstack.urls")))

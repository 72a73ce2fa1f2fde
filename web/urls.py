from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web import views
from web.accounts import views as account_views
from web.accounts.forms import LoginForm
from web.photos import api as photo_api
from web.photos import views as photo_views

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
    path("photos/", photo_views.gallery, name="gallery"),
    path("photos/<uuid:photo_id>/", photo_views.photo_detail, name="photo_detail"),
    path("photos/<uuid:photo_id>/delete/", photo_views.photo_delete, name="photo_delete"),
    path("api/uploads/presign", photo_api.upload_presign, name="upload_presign"),
    path("api/uploads/confirm", photo_api.upload_confirm, name="upload_confirm"),
    path("api/photos/status", photo_api.photo_status, name="photo_status"),
    path("admin/", admin.site.urls),
]

if settings.DARKROOM_LOCAL:
    urlpatterns.append(path("local/", include("devstack.urls")))

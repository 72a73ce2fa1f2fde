from django.urls import path

from devstack import views

urlpatterns = [path("outbox/", views.outbox, name="local_outbox")]

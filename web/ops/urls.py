from django.urls import path

from web.ops import views

urlpatterns = [path("queues/", views.queues, name="staff_queues")]

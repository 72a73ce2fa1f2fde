from django.conf import settings


def darkroom(request):
    return {"darkroom_local": settings.DARKROOM_LOCAL}

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    if request.user.is_authenticated:
        return redirect("gallery")
    return render(request, "home.html")


@require_GET
def health(request):
    """For load balancers and the deploy smoke test: the code runs and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

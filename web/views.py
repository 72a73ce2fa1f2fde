from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.csrf import csrf_failure as page_csrf_failure
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


def csrf_failure(request: HttpRequest, reason: str = ""):
    """CSRF_FAILURE_VIEW. A page open since the session changed (a login in another tab rotates the token) posts a
    stale token: the API answers with JSON the upload page can show rather than an HTML 403 it cannot display."""
    if request.path.startswith("/api/"):
        message = "Your session has changed since this page was opened: reload the page and try again."
        return JsonResponse({"error": message}, status=403)
    return page_csrf_failure(request, reason=reason)

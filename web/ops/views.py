from botocore.exceptions import BotoCoreError, ClientError
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from web.ops.queues import UnknownQueue
from web.ops.selectors import queue_states
from web.ops.services import redrive


# As the admin does: anyone not staff goes to the admin's login page.
@staff_member_required
@never_cache
@require_http_methods(["GET", "POST"])
def queues(request):
    if request.method == "POST":
        try:
            text = redrive(dlq=request.POST.get("queue", ""))
        except UnknownQueue as error:
            context = {"states": queue_states(), "error": str(error)}
            return render(request, "ops/queues.html", context, status=400)
        except (BotoCoreError, ClientError) as error:
            messages.error(request, f"SQS refused the redrive: {error}")
        else:
            messages.success(request, text)
        return redirect("staff_queues")
    return render(request, "ops/queues.html", {"states": queue_states()})

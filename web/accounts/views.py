from django.contrib.auth import login
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from web.accounts.forms import SignupForm
from web.accounts.services import user_signup


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("gallery")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                correlation_id=request.correlation_id,
            )
        except IntegrityError:  # two signups raced for the same address
            form.add_error("email", "An account with this email already exists. Log in instead.")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("gallery")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)

from django.shortcuts import get_object_or_404, render

from profiles.models import User


def profile_detail(request, username: str):
    person = get_object_or_404(User.objects.select_related("profile"), username=username)
    return render(request, "profiles/detail.html", {"person": person})

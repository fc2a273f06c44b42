from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/<str:slug>/", views.community_detail, name="detail"),
    path("posts/<int:pk>/", views.post_detail, name="post-detail"),
    path("posts/<int:pk>/matches/", views.post_matches, name="post-matches"),
]

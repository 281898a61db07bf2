from django.urls import path

from screening.core import user_views, views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
    path("users/", user_views.user_list, name="users"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:user_id>/", user_views.user_detail, name="user_detail"),
    path("users/<int:user_id>/password/", user_views.user_password, name="user_password"),
    path("users/<int:user_id>/active/", user_views.user_active, name="user_active"),
    path("users/<int:user_id>/unlock/", user_views.user_unlock, name="user_unlock"),
]

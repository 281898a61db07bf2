from django.urls import path

from screening.core import api_token_views, user_views, views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
    path("account/api-tokens/", api_token_views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        api_token_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("users/", user_views.user_list, name="users"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:user_id>/", user_views.user_detail, name="user_detail"),
    path("users/<int:user_id>/password/", user_views.user_password, name="user_password"),
    path("users/<int:user_id>/active/", user_views.user_active, name="user_active"),
    path("users/<int:user_id>/unlock/", user_views.user_unlock, name="user_unlock"),
]

from django.urls import path

from screening.promotion import views

app_name = "promotion"

urlpatterns = [
    path("", views.campaign_models, name="list"),
    path("campaigns/<int:campaign_id>/", views.comparison, name="comparison"),
    path("campaigns/<int:campaign_id>/shadow/", views.shadow_set, name="shadow"),
    path("campaigns/<int:campaign_id>/promote/", views.promote, name="promote"),
    path("campaigns/<int:campaign_id>/roll-back/", views.roll_back, name="roll_back"),
]

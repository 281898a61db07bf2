from django.urls import path

from screening.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list_page, name="list"),
    path("new/", views.campaign_create_page, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/status/", views.campaign_status, name="status"),
    path("<int:campaign_id>/settings/", views.campaign_settings_page, name="settings"),
    path("<int:campaign_id>/staff/", views.campaign_staff, name="staff"),
    path("<int:campaign_id>/cohort/", views.campaign_cohort_page, name="cohort"),
    path("episodes/<int:episode_id>/", views.episode_detail, name="episode"),
    path("episodes/<int:episode_id>/transition/", views.episode_transition_submit, name="episode_transition"),
]

from django.urls import path

from screening.reading import views

app_name = "reading"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("arbitrations/", views.arbitrations, name="arbitrations"),
    path("history/", views.history, name="history"),
    path("next/", views.next_read, name="next"),
    path("slots/<int:slot_id>/", views.read, name="read"),
    path("slots/<int:slot_id>/sign/", views.sign, name="sign"),
    path("slots/<int:slot_id>/amend/", views.amend, name="amend"),
    path("slots/<int:slot_id>/release/", views.release, name="release"),
    path("slots/<int:slot_id>/skip/", views.skip, name="skip"),
    path("episodes/<int:episode_id>/report/", views.report, name="report"),
]

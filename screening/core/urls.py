from django.urls import path

from screening.core import views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_trail, name="audit_trail"),
]

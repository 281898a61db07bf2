from django.urls import path

app_name = "imaging"

urlpatterns: list = []

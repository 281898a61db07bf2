"""DICOMweb routes (PS3.18 URL layout; a trailing slash is optional, as clients send none)."""

from django.urls import re_path

from screening.imaging.dicomweb import views

app_name = "dicomweb"

UID = r"[0-9][0-9.]{0,63}"
STUDY = rf"studies/(?P<study>{UID})"
SERIES = rf"{STUDY}/series/(?P<series>{UID})"
INSTANCE = rf"{SERIES}/instances/(?P<sop>{UID})"
FRAME_LIST = r"[1-9][0-9]{0,5}(?:,[1-9][0-9]{0,5}){0,99}"

urlpatterns = [
    re_path(r"^studies/?$", views.StudiesView.as_view(), name="studies"),
    re_path(r"^series/?$", views.SeriesSearchView.as_view(), name="series"),
    re_path(r"^instances/?$", views.InstancesSearchView.as_view(), name="instances"),
    re_path(rf"^{STUDY}/?$", views.StudyView.as_view(), name="study"),
    re_path(rf"^{STUDY}/metadata/?$", views.MetadataView.as_view(), name="study-metadata"),
    re_path(rf"^{STUDY}/series/?$", views.SeriesSearchView.as_view(), name="study-series"),
    re_path(rf"^{STUDY}/instances/?$", views.InstancesSearchView.as_view(), name="study-instances"),
    re_path(rf"^{SERIES}/?$", views.RetrieveView.as_view(), name="series-retrieve"),
    re_path(rf"^{SERIES}/metadata/?$", views.MetadataView.as_view(), name="series-metadata"),
    re_path(rf"^{SERIES}/instances/?$", views.InstancesSearchView.as_view(), name="series-instances"),
    re_path(rf"^{INSTANCE}/?$", views.RetrieveView.as_view(), name="instance-retrieve"),
    re_path(rf"^{INSTANCE}/metadata/?$", views.MetadataView.as_view(), name="instance-metadata"),
    re_path(rf"^{INSTANCE}/rendered/?$", views.RenderedView.as_view(), name="instance-rendered"),
    re_path(rf"^{INSTANCE}/frames/(?P<frames>{FRAME_LIST})/?$", views.FramesView.as_view(), name="frames"),
    re_path(
        rf"^{INSTANCE}/frames/(?P<frame>[1-9][0-9]{{0,5}})/rendered/?$",
        views.RenderedView.as_view(),
        name="frame-rendered",
    ),
]

from django.urls import path

from ecabinet.audit import views

app_name = "audit"
urlpatterns = [
    path("<slug:body_code>/", views.event_list, name="list"),
    path("<slug:body_code>/<int:seq>/", views.event_detail, name="detail"),
]

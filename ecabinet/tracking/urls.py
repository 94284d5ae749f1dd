from django.urls import path

from ecabinet.tracking import views

app_name = "tracking"
urlpatterns = [
    path("cua-toi/", views.mine, name="mine"),
    path("<slug:code>/", views.dashboard, name="dashboard"),
    path("<slug:code>/xuat.csv", views.export_csv, name="export_csv"),
    path("<slug:code>/xuat.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<slug:code>/cau-hinh/", views.body_settings, name="settings"),
    path(
        "<slug:code>/lo-trinh/<str:subject_type>/<str:subject_id>/",
        views.route,
        name="route",
    ),
]

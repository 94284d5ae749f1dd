from django.urls import path

from ecabinet.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("tim-kiem/", views.search, name="search"),
    # One's own papers.
    path("ca-nhan/", views.personal, name="personal"),
    path("ca-nhan/thu-muc/<int:folder>/", views.personal, name="personal_folder"),
    path("ca-nhan/thu-muc-moi/", views.folder_create, name="folder_create"),
    path("ca-nhan/tai-len/", views.personal_upload, name="personal_upload"),
    # A body's dossiers.
    path("co-quan/<slug:code>/", views.dossier_list, name="dossier_list"),
    path("co-quan/<slug:code>/them/", views.dossier_create, name="dossier_create"),
    path("co-quan/<slug:code>/cau-hinh/", views.body_settings, name="settings"),
    path("co-quan/<slug:code>/ho-so/<int:pk>/", views.dossier_detail, name="dossier"),
    path("co-quan/<slug:code>/ho-so/<int:pk>/tai-len/", views.dossier_upload, name="upload"),
    path("co-quan/<slug:code>/ho-so/<int:pk>/tien-do/", views.dossier_progress, name="progress"),
    # One document (a body's or a personal one).
    path("van-ban/<int:pk>/", views.document_detail, name="document"),
    path("van-ban/<int:pk>/phien-ban-moi/", views.document_new_version, name="new_version"),
    path("van-ban/<int:pk>/tep/<uuid:version>/xem/", views.document_file, name="file"),
    path("van-ban/<int:pk>/tep/<uuid:version>/tai-ve/", views.document_download, name="download"),
    path("van-ban/<int:pk>/ghi-chu/", views.notes, name="notes"),
    path("van-ban/<int:pk>/ghi-chu/<int:note_id>/", views.note_detail, name="note"),
]

from django.urls import path

from ecabinet.meetings import urls_live, urls_positions, urls_screens, views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    # A body's meetings and its rules.
    path("co-quan/<slug:code>/", views.meeting_list, name="list"),
    path("co-quan/<slug:code>/them/", views.meeting_create, name="create"),
    path("co-quan/<slug:code>/cau-hinh/", views.meeting_settings, name="settings"),
    # One meeting: details, agenda, papers, invitations.
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/sua/", views.meeting_edit, name="edit"),
    path("<int:pk>/xac-nhan/", views.answers, name="answers"),
    path("<int:pk>/noi-dung/them/", views.item_add, name="item_add"),
    path("<int:pk>/noi-dung/<int:item>/sua/", views.item_edit, name="item_edit"),
    path("<int:pk>/noi-dung/<int:item>/xoa/", views.item_remove, name="item_remove"),
    path("<int:pk>/noi-dung/<int:item>/di-chuyen/", views.item_move, name="item_move"),
    path("<int:pk>/noi-dung/<int:item>/tai-lieu/", views.item_upload, name="item_upload"),
    path("<int:pk>/tai-lieu/<int:paper>/duyet/", views.paper_decide, name="paper_decide"),
    path("<int:pk>/gui-giay-moi/", views.invite, name="invite"),
    path("<int:pk>/gui-tai-lieu/", views.publish, name="publish"),
    path("<int:pk>/giay-moi/", views.respond, name="respond"),
    path("<int:pk>/giay-moi/tai-ve/", views.invitation_pdf, name="invitation_pdf"),
    path("<int:pk>/huy/", views.cancel, name="cancel"),
]
# Pre-meeting positions and the calendar; the live session (actions, signing window);
# its screens (chair, members, secretary, projector).
urlpatterns += urls_positions.urlpatterns + urls_live.urlpatterns + urls_screens.urlpatterns

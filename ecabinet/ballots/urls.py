from django.urls import path

from ecabinet.ballots import stats_views, views

app_name = "ballots"
urlpatterns = [
    path("", views.index, name="index"),
    # A body's ballots, its rules, a member's assistants.
    path("co-quan/<slug:code>/", views.ballot_list, name="list"),
    path("co-quan/<slug:code>/trinh/", views.ballot_create, name="create"),
    path("co-quan/<slug:code>/cau-hinh/", views.ballot_settings, name="settings"),
    path("co-quan/<slug:code>/tro-ly/", views.assistants, name="assistants"),
    # A body's statistics over a period, and their exports.
    path("co-quan/<slug:code>/thong-ke/", stats_views.statistics, name="statistics"),
    path("co-quan/<slug:code>/thong-ke/csv/", stats_views.export_csv, name="statistics_csv"),
    path("co-quan/<slug:code>/thong-ke/xlsx/", stats_views.export_xlsx, name="statistics_xlsx"),
    path("co-quan/<slug:code>/thong-ke/pdf/", stats_views.export_pdf, name="statistics_pdf"),
    path(
        "co-quan/<slug:code>/tro-ly/<int:pk>/thu-hoi/",
        views.assistant_revoke,
        name="assistant_revoke",
    ),
    # One ballot, from draft to decision.
    path("<int:pk>/", views.ballot_detail, name="detail"),
    path("<int:pk>/soan-thao/", views.ballot_edit, name="edit"),
    path("<int:pk>/trinh-duyet/", views.ballot_submit, name="submit"),
    path("<int:pk>/xem-xet/", views.ballot_review, name="review"),
    path("<int:pk>/phe-duyet/", views.ballot_approve, name="approve"),
    path(
        "<int:pk>/phe-duyet/<int:challenge_id>/",
        views.ballot_approve_finish,
        name="approve_finish",
    ),
    path("<int:pk>/rut/", views.ballot_withdraw, name="withdraw"),
    path("<int:pk>/phieu-sua/", views.ballot_correct, name="correct"),
    path("<int:pk>/tra-loi/<int:seat>/", views.answer, name="answer"),
    path(
        "<int:pk>/tra-loi/<int:seat>/ky/<int:challenge_id>/",
        views.answer_finish,
        name="answer_finish",
    ),
    path("<int:pk>/kem-theo/<int:answer_id>/", views.attachment, name="attachment"),
    path("<int:pk>/chu-ky/<uuid:statement_id>/", views.statement, name="statement"),
    path("<int:pk>/tong-hop/", views.results, name="results"),
    path("<int:pk>/ket-thuc/", views.ballot_close, name="close"),
    path("<int:pk>/bao-cao/", views.report, name="report"),
    path("<int:pk>/bao-cao/<int:challenge_id>/", views.report_finish, name="report_finish"),
    path("<int:pk>/bao-cao/tai-ve/", views.report_pdf, name="report_pdf"),
    path("<int:pk>/quyet-dinh/", views.decide, name="decide"),
    path("<int:pk>/quyet-dinh/<int:challenge_id>/", views.decide_finish, name="decide_finish"),
]

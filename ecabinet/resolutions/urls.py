from django.urls import path

from ecabinet.resolutions import register_views, sign_views, views

app_name = "resolutions"
urlpatterns = [
    path("", views.index, name="index"),
    # A body's resolutions and the pages that draft a new one.
    path("co-quan/<slug:code>/", views.resolution_list, name="list"),
    path(
        "co-quan/<slug:code>/tu-phien-hop/", views.create_from_meeting, name="create_from_meeting"
    ),
    path("co-quan/<slug:code>/tu-phieu/", views.create_from_ballot, name="create_from_ballot"),
    # One resolution: its content, versions and their differences.
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/soan-thao/", views.edit, name="edit"),
    path("<int:pk>/phien-ban/", views.versions, name="versions"),
    path("<int:pk>/phien-ban/<int:number>/", views.version, name="version"),
    path("<int:pk>/so-sanh/", views.diff, name="diff"),
    # Consultation of the members.
    path("<int:pk>/lay-y-kien/", views.consult, name="consult"),
    path("<int:pk>/gop-y/<int:seat>/", views.answer, name="answer"),
    path("<int:pk>/tong-hop-y-kien/", views.consultation, name="consultation"),
    path(
        "<int:pk>/tong-hop-y-kien/<int:comment>/tiep-thu/",
        views.comment_handle,
        name="comment_handle",
    ),
    path("<int:pk>/ket-thuc-lay-y-kien/", views.consultation_close, name="consultation_close"),
    # Submission for signature, the chair's return, cancellation of a draft.
    path("<int:pk>/trinh-ky/", views.submit, name="submit"),
    path("<int:pk>/tra-lai/", views.return_, name="return"),
    path("<int:pk>/huy/", views.cancel, name="cancel"),
    # The chair's signature (step-up), issuance by a records clerk, the PDFs.
    path("<int:pk>/ky/", sign_views.sign, name="sign"),
    path("<int:pk>/ky/<int:challenge_id>/", sign_views.sign_finish, name="sign_finish"),
    path("<int:pk>/ky/van-ban.pdf", sign_views.sign_pdf, name="sign_pdf"),
    path("<int:pk>/ban-da-ky.pdf", sign_views.signed_pdf, name="signed_pdf"),
    path("<int:pk>/phat-hanh/", sign_views.issue, name="issue"),
    path("<int:pk>/ban-phat-hanh.pdf", register_views.issued_pdf, name="issued_pdf"),
    path("<int:pk>/sua-doi-bai-bo/", register_views.amend, name="amend"),
    path("<int:pk>/tiep-nhan/", register_views.acknowledge, name="acknowledge"),
    path("co-quan/<slug:code>/cau-hinh/", sign_views.settings_page, name="settings"),
    # The register, the incoming list, the public verification page (no login).
    path("co-quan/<slug:code>/so-dang-ky/", register_views.register_page, name="register"),
    path("van-ban-den/", register_views.received, name="received"),
    path("xac-thuc/<uuid:token>/", register_views.verify, name="verify"),
    path("xac-thuc/<uuid:token>/van-ban.pdf", register_views.verify_pdf, name="verify_pdf"),
]

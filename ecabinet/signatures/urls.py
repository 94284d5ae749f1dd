from django.urls import path

from ecabinet.signatures import images_views, tsa_views, verify_views, views

app_name = "signatures"
urlpatterns = [
    path("crl.der", views.crl, name="crl"),
    # RFC 3161 time-stamping for validators and other systems: public, no session.
    path("tsa/", tsa_views.timestamp, name="tsa"),
    path("chung-thu-cua-toi/", views.my_certificates, name="my_certificates"),
    # Images drawn in visible signatures: one's own signature, a body's seal.
    path("anh-chu-ky/", images_views.signature_image, name="signature_image"),
    path("anh-chu-ky/anh.png", images_views.signature_image_png, name="signature_image_png"),
    path("con-dau/<slug:code>/", images_views.seal_image, name="seal_image"),
    path("con-dau/<slug:code>/anh.png", images_views.seal_image_png, name="seal_image_png"),
    path("kiem-tra/", verify_views.verify, name="verify"),
    path("thuc-hanh/", verify_views.practice_start, name="practice"),
    path(
        "thuc-hanh/<int:challenge_id>/ket-qua/",
        verify_views.practice_result,
        name="practice_result",
    ),
    path("thuc-hanh/bien-nhan/", verify_views.practice_receipt, name="practice_receipt"),
    path(
        "thuc-hanh/bien-nhan/tai-ve/",
        verify_views.practice_download,
        name="practice_download",
    ),
]

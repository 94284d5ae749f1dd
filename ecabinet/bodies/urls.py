from django.urls import path

from ecabinet.bodies import views

app_name = "bodies"
urlpatterns = [
    path("", views.body_list, name="list"),
    # System administration; "quan-tri" is reserved as a body code (services.RESERVED_BODY_CODES).
    path("quan-tri/", views.admin_body_list, name="admin_body_list"),
    path("quan-tri/co-quan/them/", views.admin_body_create, name="admin_body_create"),
    path("quan-tri/co-quan/<slug:code>/sua/", views.admin_body_edit, name="admin_body_edit"),
    path(
        "quan-tri/co-quan/<slug:code>/trang-thai/",
        views.admin_body_toggle,
        name="admin_body_toggle",
    ),
    path("quan-tri/nguoi-dung/", views.admin_user_list, name="admin_user_list"),
    path("quan-tri/nguoi-dung/them/", views.admin_user_create, name="admin_user_create"),
    path(
        "quan-tri/nguoi-dung/<int:pk>/trang-thai/",
        views.admin_user_toggle,
        name="admin_user_toggle",
    ),
    # One body.
    path("<slug:code>/", views.body_detail, name="detail"),
    path("<slug:code>/danh-muc/", views.catalogue_index, name="catalogue_index"),
    path("<slug:code>/danh-muc/<slug:kind>/", views.catalogue_list, name="catalogue_list"),
    path("<slug:code>/danh-muc/<slug:kind>/them/", views.catalogue_create, name="catalogue_create"),
    path(
        "<slug:code>/danh-muc/<slug:kind>/<int:pk>/sua/",
        views.catalogue_edit,
        name="catalogue_edit",
    ),
    path(
        "<slug:code>/danh-muc/<slug:kind>/<int:pk>/trang-thai/",
        views.catalogue_toggle,
        name="catalogue_toggle",
    ),
    path("<slug:code>/thanh-vien/", views.member_list, name="member_list"),
    path("<slug:code>/thanh-vien/them/", views.member_add, name="member_add"),
    path("<slug:code>/thanh-vien/<int:pk>/", views.member_edit, name="member_edit"),
    path("<slug:code>/thanh-vien/<int:pk>/vai-tro/", views.member_role, name="member_role"),
    path(
        "<slug:code>/thanh-vien/<int:pk>/quyen/", views.member_permission, name="member_permission"
    ),
    path("<slug:code>/thanh-vien/<int:pk>/trang-thai/", views.member_toggle, name="member_toggle"),
    path("<slug:code>/uy-quyen/", views.delegation_list, name="delegation_list"),
    path("<slug:code>/uy-quyen/them/", views.delegation_create, name="delegation_create"),
    path(
        "<slug:code>/uy-quyen/<int:pk>/thu-hoi/", views.delegation_revoke, name="delegation_revoke"
    ),
]

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World


def test_signed_in_layout_has_skip_link_nav_user_menu_and_language_switch(
    world: World, client: Client
) -> None:
    login_as(client, world.user("member"))
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<a href="/" aria-current="page">Trang chủ</a>' in html
    assert "Người thử member" in html
    assert "Chính phủ (thử)" in html  # the member's only body, in the header
    assert 'name="language" value="vi"' in html
    assert 'name="language" value="en"' in html
    assert "Tiếng Việt" in html
    assert "English" in html


def test_anonymous_layout_has_no_menu_but_can_switch_language(db: None, client: Client) -> None:
    html = client.get("/khong-co/").content.decode()  # the 404 page, in the layout
    assert 'id="site-menu"' not in html
    assert "data-notification-badge" not in html
    assert 'name="language" value="en"' in html


def test_no_script_or_stylesheet_comes_from_another_site(world: World, client: Client) -> None:
    login_as(client, world.user("member"))
    html = client.get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "/static/vendor/htmx/htmx.min.js" in sources


def test_vendored_htmx_is_the_pinned_release() -> None:
    vendor = Path(settings.BASE_DIR) / "static" / "vendor" / "htmx"
    assert 'version:"2.0.11"' in (vendor / "htmx.min.js").read_text()
    assert "2.0.11" in (vendor / "README.md").read_text()
    assert (vendor / "LICENSE").exists()


def test_vendored_pdfjs_is_the_pinned_release() -> None:
    vendor = Path(settings.BASE_DIR) / "static" / "vendor" / "pdfjs"
    assert "pdfjsVersion = 6.5.438" in (vendor / "pdf.min.mjs").read_text()
    assert "6.5.438" in (vendor / "README.md").read_text()
    assert (vendor / "LICENSE").exists()


def _request_with_messages() -> object:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_messages_are_alerts_with_the_right_roles(world: World) -> None:
    request = _request_with_messages()
    request.user = world.user("member")
    messages.success(request, "Đã lưu.")
    messages.error(request, "Không lưu được.")
    html = render_to_string("includes/messages.html", request=request)
    assert '<div class="alert alert-success" role="status">Đã lưu.</div>' in html
    assert '<div class="alert alert-error" role="alert">Không lưu được.</div>' in html


class SampleForm(forms.Form):
    name = forms.CharField(label="Họ và tên", help_text="Như trên giấy tờ tùy thân.")
    note = forms.CharField(label="Ghi chú", required=False)
    agree = forms.BooleanField(label="Tôi đồng ý", help_text="Bắt buộc.")
    choice = forms.ChoiceField(
        label="Phương án",
        choices=[("a", "Đồng ý"), ("b", "Không đồng ý")],
        widget=forms.RadioSelect,
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("Phiếu đã đóng, không thể gửi ý kiến.")


def _render(form: forms.Form) -> str:
    return render_to_string("includes/form_fields.html", {"form": form})


def test_form_errors_summary_links_each_field_and_shows_non_field_errors() -> None:
    form = SampleForm(data={"note": "x"})
    assert not form.is_valid()
    html = _render(form)
    summary = html.split("data-error-summary>", 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in html
    assert "Phiếu đã đóng, không thể gửi ý kiến." in summary
    assert '<a href="#id_name">Họ và tên: ' in summary
    assert '<a href="#id_choice">Phương án: ' in summary


def test_field_help_and_errors_are_linked_with_aria_describedby() -> None:
    form = SampleForm(data={"note": "x"})
    form.is_valid()
    html = _render(form)
    name_input = re.search(r'<input[^>]*id="id_name"[^>]*>', html)
    assert name_input is not None
    assert 'aria-describedby="id_name_helptext id_name_error"' in name_input.group(0)
    assert 'aria-invalid="true"' in name_input.group(0)
    assert 'id="id_name_helptext"' in html
    assert 'id="id_name_error"' in html
    # Radio choices are a fieldset with a legend, described as a group.
    assert re.search(r'<fieldset aria-describedby="id_choice_error">\s*<legend>Phương án', html)


def test_required_marks_and_checkbox_layout() -> None:
    html = _render(SampleForm())
    assert "data-error-summary" not in html
    assert re.search(r'<label for="id_name">Họ và tên<span class="required"', html)
    assert re.search(r'<label for="id_note">Ghi chú</label>', html)
    # A checkbox comes before its label, on one row.
    assert re.search(
        r'<div class="checkbox-row">\s*<input type="checkbox"[^>]*id="id_agree"[^>]*>\s*'
        r'<label for="id_agree">Tôi đồng ý',
        html,
    )
    assert '<input type="hidden" name="token"' in html

"""The public CRL and the member's own certificates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ecabinet.signatures.ca import authority, crl_der
from ecabinet.signatures.models import CertificateAuthority
from ecabinet.signatures.selectors import certificate_list_for


@require_safe
def crl(request: HttpRequest) -> HttpResponse:
    """The issuing CA's certificate revocation list, public (RFC 5280 over HTTP)."""
    if authority(CertificateAuthority.Role.ISSUING) is None:
        raise Http404
    response = HttpResponse(crl_der(), content_type="application/pkix-crl")
    response["Content-Disposition"] = 'attachment; filename="ecabinet.crl"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [(cert, cert.status_at(now)) for cert in certificate_list_for(request.user)]
    return render(request, "signatures/my_certificates.html", {"rows": rows})

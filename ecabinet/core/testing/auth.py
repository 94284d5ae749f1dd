"""Logging a persona into the Django test client, second factor included."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import User


def login_as(client: Client, user: User | None) -> Client:
    """Log ``user`` in as if they had passed the password and TOTP steps (None: anonymous)."""
    if user is None:
        client.logout()
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

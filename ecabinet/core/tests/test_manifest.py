import json

from django.contrib.staticfiles import finders
from django.test import Client


def test_manifest_is_served_with_its_content_type(db: None, client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "eCabinet"
    assert data["lang"] == "vi"
    assert data["start_url"] == "/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#8c1c13"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])


def test_every_manifest_icon_exists_and_pngs_have_their_declared_size(
    db: None, client: Client
) -> None:
    data = json.loads(client.get("/manifest.webmanifest").content)
    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with open(path, "rb") as fh:
                head = fh.read(24)
            assert head[:8] == b"\x89PNG\r\n\x1a\n"
            width = int.from_bytes(head[16:20], "big")
            height = int.from_bytes(head[20:24], "big")
            assert f"{width}x{height}" == icon["sizes"]


def test_manifest_refuses_post(db: None, client: Client) -> None:
    assert client.post("/manifest.webmanifest").status_code == 405

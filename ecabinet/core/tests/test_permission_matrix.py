"""Every URL × every persona → the expected status (cases live in each app's tests/matrix.py)."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.matrix import Case
from ecabinet.core.testing.personas import PERSONAS, World

APPS = [
    "core",
    "accounts",
    "bodies",
    "audit",
    "notifications",
    "signatures",
    "documents",
    "tracking",
    "ballots",
    "meetings",
    "resolutions",
    "exchange",
]
# Namespaces that are Django's own, not views of ours.
FOREIGN = {"admin"}
FOREIGN_NAMES = {"set_language", "javascript-catalog"}


def _cases() -> list[Case]:
    cases: list[Case] = []
    for app in APPS:
        try:
            module = importlib.import_module(f"ecabinet.{app}.tests.matrix")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


CASES = _cases()


def _our_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in FOREIGN:
                    continue
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                walk(p.url_patterns, ns)
            elif p.name and p.name not in FOREIGN_NAMES:
                names.add(f"{prefix}{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_a_matrix_case() -> None:
    covered = {case.url_name for case in CASES}
    missing = sorted(_our_url_names() - covered)
    assert not missing, f"URLs without a permission-matrix case: {missing}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}:{c.url_name}{c.note}")
def test_permission_matrix(case: Case, persona: str, world: World, client: Client) -> None:
    login_as(client, world.user(persona))
    url = reverse(case.url_name, kwargs=case.kwargs(world))
    data = case.data(world) if case.data else {}
    response = getattr(client, case.method)(url, data)
    assert response.status_code == case.expected(persona), (
        f"{persona} {case.method.upper()} {url}: got {response.status_code}, "
        f"expected {case.expected(persona)}"
    )

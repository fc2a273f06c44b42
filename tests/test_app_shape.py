"""Every app has the same shape (docs/architecture.md, "One shape for every app"): whoever has read
one app finds a page, an API route, a write or a read in the same place in every other.

The shape, each entry a module or a package of modules by subject:

    models  services/  selectors  permissions  forms.py  views/  api/{serializers,views}
    tasks.py  templatetags/  admin.py  urls.py  apps.py  management/  migrations/

An app keeps a module beside the shape only where a framework asks for it by that name; EXTRAS
lists each with its reason, so a new one is a decision, not an accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["profiles", "communities", "matching", "moderation"]
PRODUCT = ["config", "core", *APPS]
MAX_LINES = 500

# Each app has these; "module or package" entries may be either.
REQUIRED_PACKAGES = {"services", "views", "api"}
REQUIRED_MODULES = {"__init__", "apps", "models", "selectors", "admin", "urls"}
# An app has these where it has such code (matching has no forms, moderation no tasks).
OPTIONAL = {"permissions", "forms", "tasks", "templatetags", "management", "migrations"}

EXTRAS: dict[str, dict[str, str]] = {
    "profiles": {
        "adapters": "allauth's account adapter (settings.ACCOUNT_ADAPTER)",
        "auth": "the API's token authentication class (REST_FRAMEWORK settings)",
        "backends": "Django's authentication backends (settings.AUTHENTICATION_BACKENDS)",
        "context_processors": "the header's state for every page (TEMPLATES settings)",
    },
    "communities": {},
    "matching": {
        "engine": "the matcher itself: no Django, its own contract in pyproject.toml",
        "cli": "the engine's command line (python -m matching cluster, similar)",
        "__main__": "runs cli (python -m matching)",
    },
    "moderation": {},
}


def _entries(app: str) -> dict[str, Path]:
    """The app's top-level modules and packages by name, caches aside."""
    found = {}
    for path in (ROOT / app).iterdir():
        if path.name.startswith((".", "__pycache__")):
            continue
        if path.is_file() and path.suffix == ".py":
            found[path.stem] = path
        elif path.is_dir() and (path / "__init__.py").exists():
            found[path.name] = path
    return found


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_house_shape(app):
    entries = _entries(app)
    missing = (REQUIRED_PACKAGES | REQUIRED_MODULES) - set(entries)
    assert not missing, f"{app} lacks {sorted(missing)}"
    not_packages = sorted(name for name in REQUIRED_PACKAGES if entries[name].is_file())
    assert not not_packages, f"{app}: {not_packages} must be packages (views/, api/, services/)"
    allowed = REQUIRED_PACKAGES | REQUIRED_MODULES | OPTIONAL | set(EXTRAS[app])
    strays = sorted(set(entries) - allowed)
    assert not strays, (
        f"{app} keeps {strays} outside the shape: move each where its kind of code lives "
        "(a write to services/, a read to selectors, a page to views/, an API route to api/), "
        "or list it in EXTRAS with the framework hook that needs it"
    )


@pytest.mark.parametrize("app", APPS)
def test_an_app_api_has_its_serializers_and_its_views(app):
    api = ROOT / app / "api"
    for part in ("serializers", "views"):
        assert (api / f"{part}.py").exists() or (api / part / "__init__.py").exists(), (
            f"{app}/api/ lacks {part}"
        )


def test_no_module_is_over_the_size_limit():
    """Past ~500 lines a module holds more than one subject: split it into a package by subject."""
    long = []
    for package in [*PRODUCT, "bench"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_LINES:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not long, "\n".join(long)


def test_benchmarks_live_outside_the_apps():
    """Benchmarks are bench/'s: nothing benchmark-only ships in an app or the image."""
    inside = sorted(
        str(path.relative_to(ROOT))
        for package in PRODUCT
        for path in (ROOT / package).rglob("*bench*.py")
    )
    assert not inside, f"Benchmarks inside the apps: {inside}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "bench" in ignored, ".dockerignore must keep bench/ out of the image"

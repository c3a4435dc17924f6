"""Dashboards as code: import superset/bundle into Superset, or export Superset's dashboard back into it.

    python superset/bundle_cli.py import    # idempotent; run by scripts/services at every start
    python superset/bundle_cli.py export    # writes UI changes back into superset/bundle (review with git diff)

Runs with the Superset venv's python and the environment scripts/services/lib/superset.sh sets.
"""

import os
import sys
from pathlib import Path

import yaml

BUNDLE = Path(__file__).resolve().parent / "bundle"
DATABASE_FILE = "databases/intraday.yaml"
DASHBOARD_SLUG = "intraday-sales"


def _database_uri() -> str:
    user = os.environ.get("INTRADAY_SUPERSET_PG_USER", "superset_ro")
    host = os.environ.get("INTRADAY_SUPERSET_PG_HOST", "127.0.0.1")
    port = os.environ.get("INTRADAY_PG_PORT", "5432")
    db = os.environ.get("INTRADAY_PG_DB", "intraday")
    return f"postgresql+psycopg2://{user}:XXXXXXXXXX@{host}:{port}/{db}"


def _bundle_contents() -> dict[str, str]:
    contents: dict[str, str] = {}
    for path in sorted(BUNDLE.rglob("*.yaml")):
        rel = path.relative_to(BUNDLE).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel == DATABASE_FILE:
            doc = yaml.safe_load(text)
            doc["sqlalchemy_uri"] = _database_uri()  # this stack's host, port and read-only role
            text = yaml.safe_dump(doc, sort_keys=False)
        contents[rel] = text
    return contents


def _as_admin(app):
    from flask import g
    from superset import security_manager

    user = security_manager.find_user(username=os.environ.get("INTRADAY_SUPERSET_ADMIN_USER", "admin"))
    if user is None:
        raise SystemExit("the Superset admin user does not exist: run `npm run services:up -- superset` first")
    g.user = user
    return user


def import_bundle() -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.importers.v1.assets import ImportAssetsCommand

        _as_admin(app)
        contents = _bundle_contents()
        password = os.environ.get("INTRADAY_SUPERSET_PG_PASSWORD", "superset_ro")
        ImportAssetsCommand(contents, passwords={DATABASE_FILE: password}).run()
        print(f"imported {len(contents)} files from {BUNDLE}")


def _strip_top_folder(name: str) -> str:
    return name.split("/", 1)[1] if "/" in name else name


def export_bundle() -> None:
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.dashboard.export import ExportDashboardsCommand
        from superset.models.dashboard import Dashboard
        from superset import db

        _as_admin(app)
        dash = db.session.query(Dashboard).filter_by(slug=DASHBOARD_SLUG).one_or_none()
        if dash is None:
            raise SystemExit(f"no dashboard with slug {DASHBOARD_SLUG}")
        # keep each asset in the file it already has (matched by UUID), so the diff shows only real changes
        by_uuid = {}
        for path in BUNDLE.rglob("*.yaml"):
            uuid = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("uuid")
            if uuid:
                by_uuid[str(uuid)] = path.relative_to(BUNDLE).as_posix()
        written = []
        for name, content in ExportDashboardsCommand([dash.id]).run():
            text = content() if callable(content) else content
            rel = _strip_top_folder(name)
            uuid = (yaml.safe_load(text) or {}).get("uuid")
            rel = by_uuid.get(str(uuid), rel)
            if rel == "metadata.yaml":
                doc = yaml.safe_load(text)
                doc["type"] = "assets"
                text = yaml.safe_dump(doc, sort_keys=False)
            if rel == DATABASE_FILE or rel.startswith("databases/"):
                doc = yaml.safe_load(text)
                doc["sqlalchemy_uri"] = "postgresql+psycopg2://superset_ro:XXXXXXXXXX@127.0.0.1:5432/intraday"
                text = yaml.safe_dump(doc, sort_keys=False)
                rel = DATABASE_FILE
            target = BUNDLE / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(rel)
        print(f"exported {len(written)} files into {BUNDLE}; review them with `git diff superset/bundle`")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "import":
        import_bundle()
    elif command == "export":
        export_bundle()
    else:
        raise SystemExit(__doc__)

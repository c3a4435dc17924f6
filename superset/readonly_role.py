"""Creates (or updates) the read-only PostgreSQL role Superset connects with.

It may SELECT from the `analytics` schema's views only (never the app's tables), also from views
the app's migrations add later (default privileges for the app's role). Used by
scripts/services/lib/superset.sh and by the Superset container of docker/compose.yaml.

Environment: INTRADAY_SUPERSET_PG_ADMIN_DSN (a libpq DSN of a role allowed to create roles),
INTRADAY_SUPERSET_PG_USER / _PASSWORD, INTRADAY_PG_USER (the app's role), INTRADAY_PG_DB.
"""

import os

import psycopg2
from psycopg2 import sql

dsn = os.environ["INTRADAY_SUPERSET_PG_ADMIN_DSN"]
ro_user = os.environ.get("INTRADAY_SUPERSET_PG_USER", "superset_ro")
ro_password = os.environ.get("INTRADAY_SUPERSET_PG_PASSWORD", "superset_ro")
app_user = os.environ.get("INTRADAY_PG_USER", "intraday")
database = os.environ.get("INTRADAY_PG_DB", "intraday")

ro, app, db = sql.Identifier(ro_user), sql.Identifier(app_user), sql.Identifier(database)
conn = psycopg2.connect(dsn)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ro_user,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ro))
    cur.execute(sql.SQL("ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(ro, sql.Literal(ro_password)))
    cur.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ro))
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS analytics AUTHORIZATION {}").format(app))
    cur.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM {}").format(ro))
    cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, ro))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA analytics TO {}").format(ro))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO {}").format(ro))
    cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA analytics GRANT SELECT ON TABLES TO {}").format(app, ro))
conn.close()
print(f"read-only role {ro_user}: SELECT on schema analytics of {database}")

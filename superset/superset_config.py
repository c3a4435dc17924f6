"""Superset configuration for Intraday Sales (local script and docker/compose.yaml).

Every value comes from INTRADAY_SUPERSET_* variables with the documented local defaults
(docs/superset.md); scripts/services/lib/superset.sh exports them.
"""

import os

_home = os.environ.get("INTRADAY_SUPERSET_HOME") or os.environ.get("SUPERSET_HOME") or os.path.expanduser("~/.superset")

SECRET_KEY = os.environ.get("INTRADAY_SUPERSET_SECRET_KEY", "intraday-local-development-only-change-me")
SQLALCHEMY_DATABASE_URI = os.environ.get("INTRADAY_SUPERSET_METADATA_URL", f"sqlite:///{_home}/superset.db?check_same_thread=false")
SUPERSET_WEBSERVER_PORT = int(os.environ.get("INTRADAY_SUPERSET_PORT", "8088"))

# Metadata caching is cheap and safe; chart data is never cached, so a 10 s refresh shows new minutes.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Plain HTTP on 127.0.0.1: no HTTPS-only cookies or CSP nonce enforcement for the local stack.
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
WTF_CSRF_ENABLED = True
# The REST checks (tests, export) authenticate with a JWT; these endpoints accept it without a form token.
WTF_CSRF_EXEMPT_LIST = [
    "superset.views.core.log",
    "superset.views.core.explore_json",
    "superset.charts.data.api.data",
    "superset.dashboards.api.cache_dashboard_screenshot",
]
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "DASHBOARD_CROSS_FILTERS": True}
SUPERSET_DASHBOARD_PERIODICAL_REFRESH_LIMIT = 0
ROW_LIMIT = 50000

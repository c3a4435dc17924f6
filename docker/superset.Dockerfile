# Superset for docker/compose.yaml: the same PyPI set (superset/constraints.txt), config and bundle as
# scripts/services/lib/superset.sh. Entry point: superset/docker-entrypoint.sh.
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY superset/constraints.txt /app/superset/constraints.txt
RUN pip install --no-cache-dir -c superset/constraints.txt "apache-superset==6.1.0" "flask-caching<2.5" rich cachetools psycopg2-binary
COPY superset /app/superset
ENV FLASK_APP=superset SUPERSET_CONFIG_PATH=/app/superset/superset_config.py INTRADAY_SUPERSET_HOME=/var/lib/superset
EXPOSE 8088
HEALTHCHECK --interval=5s --timeout=3s --retries=60 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8088/health').read()==b'OK' else 1)"
CMD ["bash", "/app/superset/docker-entrypoint.sh"]

# Production image: the ISMS service without development tools.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 ISMS_DATA_DIR=/data
RUN useradd --system --uid 10001 --home-dir /app isms && mkdir -p /data && chown isms /data
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY isms ./isms
COPY controls ./controls
COPY risk ./risk
COPY reports ./reports
COPY frontend ./frontend
RUN pip install .
USER isms
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz').status == 200 else 1)"
CMD ["isms", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-scheduler", "--proxy-headers"]

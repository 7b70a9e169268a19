# mentorloom web app: two stages on a slim Python image, a venv copied into the runtime stage,
# a non-root user. Settings come from environment variables (see README, "Web app").
#   docker build -t mentorloom .
#   docker run -p 8000:8000 -v mentorloom-data:/app/instance mentorloom
#   docker run --rm -it -v mentorloom-data:/app/instance mentorloom \
#       flask --app webapp create-admin you@example.org

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY matcher ./matcher
COPY webapp ./webapp
RUN pip install ".[web]"
# Compile the matching engine now, into a folder the runtime stage copies, so that a big
# cohort's first run loads it instead of compiling (most of a minute). numba keeps what it
# compiles per CPU model: on another kind of CPU the first big run compiles once more, into
# the same folder (a volume on /app/numba-cache keeps that across containers).
ENV NUMBA_CACHE_DIR=/app/numba-cache
RUN mentorloom compile

FROM python:3.11-slim AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MENTORLOOM_INSTANCE_PATH=/app/instance \
    MENTORLOOM_MIGRATIONS_DIR=/app/migrations \
    NUMBA_CACHE_DIR=/app/numba-cache \
    GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --workers 2 --access-logfile -"
RUN useradd --create-home --uid 10001 mentorloom \
    && mkdir -p /app/instance \
    && chown mentorloom /app/instance
COPY --from=build /venv /venv
# numba uses a cache folder only when it may write there: the non-root user owns it
COPY --from=build --chown=mentorloom /app/numba-cache /app/numba-cache
COPY migrations /app/migrations
WORKDIR /app
USER mentorloom
VOLUME ["/app/instance"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/auth/login')"
# Bring the database up to date, then serve.
CMD ["sh", "-c", "flask --app webapp db upgrade && exec gunicorn 'webapp:create_app()'"]

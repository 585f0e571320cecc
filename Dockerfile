# One image for every role (web, worker, beat). Build with the gpu extra for
# the GPU worker:  docker build --build-arg EXTRAS=gpu -t studysite:gpu .
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

ARG EXTRAS=""
WORKDIR /app

RUN useradd --create-home --uid 1000 study

COPY pyproject.toml README.md ./
COPY studysite ./studysite
COPY lessons ./lessons
COPY flashcards ./flashcards
COPY workers ./workers
COPY manage.py ./

RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
 && DEBUG=False SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var /app/media && chown -R study /app/var /app/media

USER study
EXPOSE 8000
ENV DEBUG=False

CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_lessons && gunicorn studysite.wsgi -b 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]

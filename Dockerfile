# The coach API image for compose.yaml: the locked runtime, no test tools, no model downloads.
FROM python:3.11-slim
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy COACH_HOME=/data PATH=/app/.venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY assistant assistant
COPY knowledge knowledge
COPY prompts prompts
COPY ui ui
RUN uv sync --frozen --no-dev --inexact
USER nobody
EXPOSE 8080
CMD ["coach", "serve", "--host", "0.0.0.0", "--port", "8080"]

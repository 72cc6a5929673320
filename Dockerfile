FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY ledger ledger
COPY planfile planfile
COPY projections projections
COPY replay replay
COPY api api
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["parledger", "serve", "--host", "0.0.0.0", "--port", "8000"]

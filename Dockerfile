FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY rules rules
COPY integrity integrity
COPY persistence persistence
COPY planfile planfile
COPY ledger ledger
COPY projections projections
COPY replay replay
COPY reports reports
COPY httpkit httpkit
COPY api api
COPY web web
COPY cli cli
COPY service service
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["parledger", "serve", "--host", "0.0.0.0", "--port", "8000"]

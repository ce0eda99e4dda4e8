#!/usr/bin/env bash
# Signs a JSON file as Meta would (HMAC-SHA256 of the raw bytes with the app secret) and posts it
# to a Baraza webhook endpoint. Defaults fit `make run`'s demo tenant.
#   scripts/send-webhook.sh FILE [URL] [APP_SECRET]
set -euo pipefail
file=${1:?usage: scripts/send-webhook.sh FILE [URL] [APP_SECRET]}
url=${2:-http://127.0.0.1:8080/webhooks/whatsapp}
secret=${3:-demo-app-secret}
signature=$(openssl dgst -sha256 -hmac "$secret" -r <"$file" | cut -d' ' -f1)
curl -sS -w '\nHTTP %{http_code}\n' -X POST "$url" \
  -H 'Content-Type: application/json' \
  -H "X-Hub-Signature-256: sha256=$signature" \
  --data-binary @"$file"

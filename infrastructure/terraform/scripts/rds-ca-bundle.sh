#!/usr/bin/env bash
# The Amazon RDS CA bundle the app verifies the database with (DATABASE_URL has
# sslmode=verify-full&sslrootcert=/etc/rds-ca/global-bundle.pem). It is public, so it is
# fetched from AWS at deploy time instead of being committed, and refused unless every
# certificate in it parses and is issued by an Amazon RDS CA: a placeholder or an HTML error
# page would leave the migrate init container unable to connect and the canary stuck.
#
#   rds-ca-bundle.sh fetch OUT    download AWS's global bundle (or copy RDS_CA_BUNDLE_FILE) to
#                                 OUT and verify it
#   rds-ca-bundle.sh verify FILE  verify only; prints the number of certificates
#
# Environment: RDS_CA_BUNDLE_URL (default AWS's global bundle), RDS_CA_BUNDLE_FILE (a local
# copy, for machines that cannot reach truststore.pki.rds.amazonaws.com).
set -euo pipefail

URL=${RDS_CA_BUNDLE_URL:-https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem}

verify() {
  local file=$1 declared issuers
  [[ -s $file ]] || {
    echo "$file is empty or missing" >&2
    return 1
  }
  declared=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$file" || true)
  if ((declared == 0)); then
    echo "$file holds no PEM certificate" >&2
    return 1
  fi
  issuers=$(openssl crl2pkcs7 -nocrl -certfile "$file" 2>/dev/null |
    openssl pkcs7 -print_certs -noout 2>/dev/null | grep '^issuer=' || true)
  if (($(grep -c . <<<"$issuers") != declared)); then
    echo "$file: not every one of its $declared certificates parses as X.509" >&2
    return 1
  fi
  if grep -v 'Amazon RDS' <<<"$issuers" | grep -q .; then
    echo "$file: a certificate is not issued by an Amazon RDS CA:" >&2
    grep -v 'Amazon RDS' <<<"$issuers" | head -n 3 >&2
    return 1
  fi
  echo "$declared"
}

fetch() {
  local out=$1
  if [[ -n ${RDS_CA_BUNDLE_FILE:-} ]]; then
    cp "$RDS_CA_BUNDLE_FILE" "$out"
  elif ! curl -fsSL --retry 3 --max-time 30 "$URL" -o "$out"; then
    echo "could not download the Amazon RDS CA bundle from $URL" \
      "(set RDS_CA_BUNDLE_FILE to a copy of it)" >&2
    return 1
  fi
  verify "$out"
}

case ${1:-} in
fetch | verify)
  [[ $# -eq 2 ]] || {
    echo "usage: $0 fetch OUT | verify FILE" >&2
    exit 2
  }
  "$1" "$2"
  ;;
*)
  echo "usage: $0 fetch OUT | verify FILE" >&2
  exit 2
  ;;
esac
